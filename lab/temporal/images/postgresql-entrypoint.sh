#!/bin/sh
# Entrypoint of the lab's PostgreSQL image (lab/temporal/images/postgresql.Dockerfile): on an empty
# $PGDATA, initdb with POSTGRES_USER / POSTGRES_PASSWORD (scram-sha-256 over the network, trust on the
# local socket), POSTGRES_DB created when it is not `postgres`, listening on every address; then
# PostgreSQL in the foreground as PID 1. The subset of the official image's docker-entrypoint.sh
# that docker-compose.temporal.yml uses.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
if [ "${1:-postgres}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  [ -n "${POSTGRES_PASSWORD:-}" ] || { echo "docker-entrypoint.sh: POSTGRES_PASSWORD is required" >&2; exit 1; }
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb -D "$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    echo "CREATE DATABASE \"$POSTGRES_DB\";" | postgres --single -j -D "$PGDATA" postgres >/dev/null
  fi
  echo "docker-entrypoint.sh: initialized $PGDATA (user $POSTGRES_USER, database $POSTGRES_DB)"
fi
if [ "${1:-}" = postgres ]; then shift; set -- postgres -D "$PGDATA" "$@"; fi
exec "$@"
