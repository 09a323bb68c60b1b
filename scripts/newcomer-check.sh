#!/usr/bin/env bash
# The order a newcomer follows, run before a stop: a fresh clone of this checkout's HEAD, then
# `npm run demo`, `npm test`, `npm run demo` again, each timed; every one must exit 0. The demo runs
# unattended (--auto-approve-reboots) and leaves its Temporal server up, as the README says; the tests
# must pass beside it, and the second demo must work whatever the tests left on the lab's hosts.
# Usage: bash scripts/newcomer-check.sh [DIR]   (default: a new directory under /var/tmp; logs beside it)
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$(mktemp -d /var/tmp/hakube-newcomer.XXXXXX)/hakube}
git clone -q "$src" "$dir" || exit 1
cd "$dir" || exit 1
status=0
step() { # name command...
  local name=$1 started=$SECONDS code
  shift
  "$@" >"$dir.$name.log" 2>&1
  code=$?
  printf 'newcomer-check: %-14s exit %s in %s s (log %s)\n' "$name" "$code" "$((SECONDS - started))" "$dir.$name.log"
  [ "$code" = 0 ] || status=1
}
step demo npm run demo -- --auto-approve-reboots
step test npm test
step demo-again npm run demo -- --auto-approve-reboots
./bin/hakube server stop >/dev/null 2>&1 || true # the demo's server, which the README leaves up
exit $status
