#!/usr/bin/env bash
# Starts the lab's real Temporal deployment (docker-compose.temporal.yml with the images built here) and
# waits until it serves hakube. See docs/temporal.md ("The lab's real Temporal deployment").
#
#   lab/temporal/up.sh [--official]     --official: the compose file's official images (needs Docker Hub)
#
# Steps, each cached: docker.io / debootstrap from Debian when missing; dockerd started when none runs
# (PID in lab/temporal/.state/dockerd.pid, stopped by down.sh only if nothing else runs on it); the
# binaries (build.sh) and images (images.sh); the TLS certificates (certs.sh); `docker compose up -d`;
# then scripts/temporal-ready.ts (frontend health over TLS, namespace, hakube's search attributes).
# Writes lab/temporal/.state/env: the variables that point hakube at it (`. lab/temporal/.state/env`).
# Environment: HAKUBE_TEMPORAL_PORT (17233), HAKUBE_TEMPORAL_UI_PORT (18080), HAKUBE_TEMPORAL_BIND
# (127.0.0.1), HAKUBE_TEMPORAL_READY_TIMEOUT (seconds, 240), HAKUBE_LAB_CACHE.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STATE=$HERE/.state
CACHE=${HAKUBE_LAB_CACHE:-$HOME/.cache/hakube-lab}/temporal
OFFICIAL=0
case "${1:-}" in
  --official) OFFICIAL=1 ;;
  "") ;;
  -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "up.sh: unknown argument $1" >&2; exit 2 ;;
esac
export HAKUBE_TEMPORAL_PORT=${HAKUBE_TEMPORAL_PORT:-17233}
export HAKUBE_TEMPORAL_UI_PORT=${HAKUBE_TEMPORAL_UI_PORT:-18080}
export HAKUBE_TEMPORAL_BIND=${HAKUBE_TEMPORAL_BIND:-127.0.0.1}
T0=$(date +%s.%N)
say() { printf 'temporal-up [%5.1fs] %s\n' "$(echo "$(date +%s.%N) - $T0" | bc)" "$*" >&2; }
mkdir -p "$STATE"

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v openssl >/dev/null || missing+=(openssl)
command -v bc >/dev/null || missing+=(bc)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  say "starting dockerd (log: $STATE/dockerd.log)"
  dockerd >"$STATE/dockerd.log" 2>&1 &
  echo $! >"$STATE/dockerd.pid"
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { say "dockerd did not start: see $STATE/dockerd.log"; exit 1; }
fi

# docker compose: the CLI plugin when this docker has one, else Compose built from its Go module.
if docker compose version >/dev/null 2>&1; then
  COMPOSE=(docker compose)
else
  bash "$HERE/build.sh" compose >&2
  COMPOSE=("$(ls -d "$CACHE"/compose-*/bin/docker-compose | sort -V | tail -1)")
fi
printf '%q ' "${COMPOSE[@]}" > "$STATE/compose"

if [ "$OFFICIAL" = 0 ]; then
  bash "$HERE/build.sh" temporal-server temporal-sql-tool temporal-ui >&2
  bash "$HERE/images.sh" 2>&1 | sed 's/^/  /' >&2
  set -a
  # shellcheck disable=SC1091
  . "$CACHE/images.env"
  set +a
fi
TLS=$(bash "$HERE/certs.sh")
say "TLS: $TLS (CA ca.pem, frontend certificate for temporal-frontend)"

say "docker compose up (project hakube-temporal, network hakube-temporal)"
compose() { (cd "$ROOT" && "${COMPOSE[@]}" -f docker-compose.temporal.yml "$@"); }
if ! compose up -d --remove-orphans --quiet-pull 2>"$STATE/compose-up.log"; then
  sed 's/^/  /' "$STATE/compose-up.log" >&2
  say "docker compose up failed; the schema job and the services' last lines:"
  compose logs --tail 20 >&2
  exit 1
fi
compose logs --no-log-prefix temporal-schema 2>/dev/null | sed 's/^/  /' >&2

cat > "$STATE/env" <<EOF
export TEMPORAL_ADDRESS=127.0.0.1:$HAKUBE_TEMPORAL_PORT
export TEMPORAL_TLS_SERVER_CA_CERT_PATH=$TLS/ca.pem
export TEMPORAL_TLS_SERVER_NAME=temporal-frontend
export TEMPORAL_WEB_UI=http://localhost:$HAKUBE_TEMPORAL_UI_PORT
EOF
# shellcheck disable=SC1091
(set -a; . "$STATE/env"; cd "$ROOT" && node --import tsx scripts/temporal-ready.ts --timeout "${HAKUBE_TEMPORAL_READY_TIMEOUT:-240}") ||
  { say "not ready; the services' last lines:"; compose logs --tail 15 >&2; exit 1; }
say "ready: frontend 127.0.0.1:$HAKUBE_TEMPORAL_PORT (TLS), Web UI http://localhost:$HAKUBE_TEMPORAL_UI_PORT"
echo "# point hakube at it:  . $STATE/env"
cat "$STATE/env"
