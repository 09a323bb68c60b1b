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
[ -n "${HAKUBE_TEST_HOME:-}" ] || trap 'rm -rf "$HAKUBE_HOME"' EXIT
unset HAKUBE_CODEC_KEYS HAKUBE_EMBEDDED_PORT HAKUBE_EMBEDDED_UI_PORT HAKUBE_CODEC_PORT
# One file at a time: the workflow and SSH tests each start their own servers.
node --import tsx --test --test-concurrency=1 --test-reporter=spec $files
