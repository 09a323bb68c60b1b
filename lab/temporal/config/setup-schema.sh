#!/bin/sh
# The schema job of docker-compose.temporal.yml (service temporal-schema, run once per `up`, in the
# admin-tools image): with Temporal's own temporal-sql-tool, creates the databases `temporal` and
# `temporal_visibility` (create-database ignores an existing one), then `setup-schema -v 0.0` (version
# tables; a no-op on a set-up database) and `update-schema` from the versioned schema files of go.temporal.io/server
# (schema/postgresql/v12/{temporal,visibility}/versioned, at /etc/temporal/schema in the image), which
# applies only the versions the database does not have yet. Idempotent: a second run changes nothing.
set -eu
SCHEMA=${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}
tool() {
  temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS:-postgresql}" -p "${DB_PORT:-5432}" \
    -u "${POSTGRES_USER:-temporal}" --pw "${POSTGRES_PWD:-temporal}" "$@"
}
for pair in temporal:temporal temporal_visibility:visibility; do
  db=${pair%%:*} dir=$SCHEMA/${pair#*:}/versioned
  [ -d "$dir" ] || { echo "setup-schema.sh: no schema files at $dir" >&2; exit 1; }
  # the tool logs every statement; shown only when it fails
  out=$(tool --db "$db" create-database 2>&1) || { echo "$out" >&2; exit 1; } # a no-op when it exists
  out=$(tool --db "$db" setup-schema -v 0.0 2>&1) || { echo "$out" >&2; exit 1; }
  out=$(tool --db "$db" update-schema -d "$dir" 2>&1) || { echo "$out" >&2; exit 1; }
  echo "setup-schema.sh: database $db at schema version $(ls "$dir" | sed -n 's/^v//p' | sort -V | tail -1) (from $dir)"
done
