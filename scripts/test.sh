#!/usr/bin/env bash
# The test command (npm test): set-up when needed, type check, lint and format check, then every test
# with node's runner.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
npx tsc -p tsconfig.json --noEmit
npm run -s lint
files=$(find test -name '*.test.ts' | sort)
if [ $# -gt 0 ]; then files="$*"; fi
# The tests' own hakube home (codec key, known hosts, backups, the bundle cache, PID files of a server they
# start): the user's ~/.hakube, and a demo's server that uses it, are neither read nor changed.
export HAKUBE_HOME=${HAKUBE_TEST_HOME:-$(mktemp -d /tmp/hakube-test-home.XXXXXX)}
[ -n "${HAKUBE_TEST_HOME:-}" ] || trap 'rm -rf "$HAKUBE_HOME"; stop_prebuild' EXIT
unset HAKUBE_CODEC_KEYS HAKUBE_EMBEDDED_PORT HAKUBE_EMBEDDED_UI_PORT HAKUBE_CODEC_PORT
# The real lane's components (about 24 minutes cold on 2 cores, seconds when cached by version) are built
# beside the tests that run before the real-lane test, at low priority: its `lab up` then finds them built,
# or waits on the build's lock for the rest, instead of starting the whole build only then.
prebuild=''
if [ "$(id -u)" = 0 ] && [ "${HAKUBE_REAL_LANE:-1}" != 0 ] && [[ " $files " == *real-kubernetes.test.ts* ]]; then
  mkdir -p lab/.state
  setsid nice -n 15 bash lab/lab.sh build-real >lab/.state/real-prebuild.out 2>&1 &
  prebuild=$!
fi
stop_prebuild() { [ -z "$prebuild" ] || kill -- -"$prebuild" 2>/dev/null || true; }
# One file at a time: the workflow and SSH tests each start their own servers.
[ -z "${HAKUBE_TEST_HOME:-}" ] || trap stop_prebuild EXIT
node --import tsx --test --test-concurrency=1 --test-reporter=spec $files
