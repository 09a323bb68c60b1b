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
# One file at a time: the workflow and SSH tests each start their own servers.
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec $files
