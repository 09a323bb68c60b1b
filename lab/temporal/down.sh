#!/usr/bin/env bash
# Stops the lab's Temporal deployment (lab/temporal/up.sh): its containers and its network
# hakube-temporal. The PostgreSQL volume (every workflow history) is kept unless --volumes is given.
# dockerd is stopped only when up.sh started it (lab/temporal/.state/dockerd.pid) and no other
# container runs on it (the lab's hosts, for one, are left alone).
#   lab/temporal/down.sh [--volumes]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STATE=$HERE/.state
args=(down --remove-orphans --timeout 20)
what=stopped
case "${1:-}" in
  --volumes|-v) args+=(--volumes); what="stopped, data volume removed" ;;
  "") ;;
  *) echo "down.sh: unknown argument $1" >&2; exit 2 ;;
esac
if ! docker info >/dev/null 2>&1; then echo "temporal-down: no docker running: nothing to stop" >&2; exit 0; fi
if [ -s "$STATE/compose" ]; then eval "COMPOSE=($(cat "$STATE/compose"))"; else COMPOSE=(docker compose); fi
(cd "$ROOT" && "${COMPOSE[@]}" -f docker-compose.temporal.yml "${args[@]}" 2>&1 | sed 's/^/  /' >&2)
echo "temporal-down: $what" >&2

if [ -s "$STATE/dockerd.pid" ]; then
  pid=$(cat "$STATE/dockerd.pid")
  others=$(docker ps -q | wc -l)
  if [ "$others" -gt 0 ]; then
    echo "temporal-down: dockerd (PID $pid, started by up.sh) left running: $others other container(s) use it" >&2
  elif kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    rm -f "$STATE/dockerd.pid"
    echo "temporal-down: dockerd (PID $pid) stopped" >&2
  else
    rm -f "$STATE/dockerd.pid"
  fi
fi
