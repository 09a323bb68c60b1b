#!/usr/bin/env bash
# The local images of the lab's Temporal deployment, built without any image from a registry: a Debian 12
# root file system made with debootstrap from this machine's Debian mirror (imported as the base), and on
# it, with `docker build` (the classic builder: FROM a local tag pulls nothing):
#   hakube-lab/temporal-server:<v>        temporal-server + upstream's entrypoint.sh   (lab/temporal/build.sh)
#   hakube-lab/temporal-admin-tools:<v>   temporal-sql-tool + schema/postgresql/v12     (lab/temporal/build.sh)
#   hakube-lab/temporal-ui:<v>            the Web UI server + its config/docker.yaml    (lab/temporal/build.sh)
#   hakube-lab/postgresql:15              Debian's postgresql-15 (apt, inside the build)
# Usage: lab/temporal/images.sh [--force]
# Cached: each image carries the label org.hakube.lab.input = sha256 of its recipe (this script, its
# Dockerfile), its inputs (the components' .stamp files, which hold the sha256 of every built file; the
# PostgreSQL entrypoint) and the base image's id; an image whose tag has that label already is skipped.
# The base's root file system is cached as <cache>/temporal/rootfs-<recipe hash>.tar.
# Prints the `KEY=image` lines docker-compose.temporal.yml takes into <cache>/temporal/images.env.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
FORCE=0
if [ "${1:-}" = --force ]; then FORCE=1; fi
CACHE=${HAKUBE_LAB_CACHE:-$HOME/.cache/hakube-lab}/temporal
REPO=${HAKUBE_TEMPORAL_IMAGE_REPO:-hakube-lab}
LABEL=org.hakube.lab.input
export DOCKER_BUILDKIT=0   # the classic builder: no buildx needed, FROM a local tag is never pulled
mkdir -p "$CACHE"
T0=$(date +%s)
log() { printf '[images %4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }

req_version() { awk -v m="$2" '($1==m || ($1=="require" && $2==m)) { v = ($1=="require") ? $3 : $2; print v; exit }' "$1/go.mod"; }
SERVER_VERSION=$(req_version "$HERE/server" go.temporal.io/server)
UI_VERSION=$(req_version "$HERE/ui-server" github.com/temporalio/ui-server/v2)
SERVER_DIR=$CACHE/temporal-server-$SERVER_VERSION
SQL_DIR=$CACHE/temporal-sql-tool-$SERVER_VERSION
UI_DIR=$CACHE/temporal-ui-$UI_VERSION
for d in "$SERVER_DIR" "$SQL_DIR" "$UI_DIR"; do
  [ -f "$d/.stamp" ] || { echo "images.sh: $d is not built: run lab/temporal/build.sh first" >&2; exit 1; }
done

# --- the base: Debian 12 minbase ------------------------------------------------------------------

build_rootfs() { # OUT.tar
  local out=$1 root mirror
  root=$(mktemp -d /var/tmp/hakube-temporal-rootfs.XXXXXX)
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  debootstrap --variant=minbase --include=ca-certificates,tzdata,netbase bookworm "$root" "$mirror" >/dev/null
  # the machine's own apt sources (bookworm, -updates, -security), as the lab's host image has them
  rm -f "$root/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
  cp /etc/apt/sources.list "$root/etc/apt/" 2>/dev/null || true
  [ -n "$(ls "$root/etc/apt/sources.list.d/" "$root/etc/apt/sources.list" 2>/dev/null)" ] ||
    echo "deb $mirror bookworm main" > "$root/etc/apt/sources.list"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
  : > "$root/etc/machine-id"
  tar -C "$root" --numeric-owner -cf "$out.partial" .
  rm -rf "$root"
  mv -f "$out.partial" "$out"
}

ensure_base() {
  command -v debootstrap >/dev/null || {
    log "installing debootstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  }
  local tag tarball t
  tag=$(declare -f build_rootfs | sha256sum | cut -c1-12)
  BASE=$REPO/debian-base:bookworm-$tag
  if docker image inspect "$BASE" >/dev/null 2>&1 && [ "$FORCE" = 0 ]; then log "$BASE: cached"; return; fi
  tarball=$CACHE/rootfs-$tag.tar
  if [ ! -f "$tarball" ] || [ "$FORCE" = 1 ]; then
    t=$(date +%s)
    log "$BASE: debootstrap bookworm minbase (cached in $tarball)"
    build_rootfs "$tarball"
    log "  root file system in $(( $(date +%s) - t ))s ($(du -h "$tarball" | cut -f1))"
  fi
  docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["/bin/bash"]' \
    "$tarball" "$BASE" >/dev/null
  log "$BASE: imported"
}

# --- images ---------------------------------------------------------------------------------------

# build_image TAG DOCKERFILE KEY_FILE... -- CONTEXT_FILE... : the key is computed from the recipe, the base
# image's id and the KEY_FILEs (the components' .stamp files hold the sha256 of every built file); the
# CONTEXT_FILEs (from the staging directory, made only when an image is to be built) are copied flat into
# the build context beside the Dockerfile.
SUMMARY=()
W=
stage() {
  [ -z "$W" ] || return 0
  W=$(mktemp -d /var/tmp/hakube-temporal-files.XXXXXX)
  # the files under the names the Dockerfiles copy, with the modes the images need (the classic builder
  # has no COPY --chmod)
  install -m 755 "$SERVER_DIR/bin/temporal-server" "$SERVER_DIR/docker/entrypoint.sh" "$W/"
  install -m 755 "$SQL_DIR/bin/temporal-sql-tool" "$W/"
  cp -r "$SQL_DIR/schema" "$W/schema"; chmod -R a+rX,go-w "$W/schema"
  install -m 755 "$UI_DIR/bin/ui-server" "$UI_DIR/docker/start-ui-server.sh" "$W/"
  install -m 644 "$UI_DIR/config/docker.yaml" "$W/"
  install -m 755 "$HERE/images/postgresql-entrypoint.sh" "$W/docker-entrypoint.sh"
}
trap '[ -z "$W" ] || rm -rf "$W"' EXIT
build_image() {
  local tag=$1 dockerfile=$2; shift 2
  local keys=() files=() key ctx t f
  while [ $# -gt 0 ] && [ "$1" != -- ]; do keys+=("$1"); shift; done
  shift; files=("$@")
  key=$( { echo "$tag"; docker image inspect -f '{{.Id}}' "$BASE"; cat "$0" "$dockerfile" "${keys[@]}"; } | sha256sum | cut -c1-16)
  if [ "$FORCE" = 0 ] && [ "$(docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$tag" 2>/dev/null)" = "$key" ]; then
    log "$tag: cached (input $key)"
    SUMMARY+=("$(printf '%-42s cached' "$tag")")
    return
  fi
  stage
  t=$(date +%s)
  ctx=$(mktemp -d /var/tmp/hakube-temporal-image.XXXXXX)
  cp "$dockerfile" "$ctx/Dockerfile"
  for f in "${files[@]}"; do cp -r "$W/$f" "$ctx/"; done
  log "$tag: building (input $key)"
  if ! docker build -q --build-arg "BASE=$BASE" --label "$LABEL=$key" -t "$tag" "$ctx" > "$ctx.log" 2>&1; then
    cat "$ctx.log" >&2; rm -rf "$ctx" "$ctx.log"; exit 1
  fi
  rm -rf "$ctx" "$ctx.log"
  log "$tag: built in $(( $(date +%s) - t ))s ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%d MB", $1 / 1e6 }'))"
  SUMMARY+=("$(printf '%-42s built in %ss' "$tag" "$(( $(date +%s) - t ))")")
}

ensure_base
SERVER_IMAGE=$REPO/temporal-server:${SERVER_VERSION#v}
ADMIN_IMAGE=$REPO/temporal-admin-tools:${SERVER_VERSION#v}
UI_IMAGE=$REPO/temporal-ui:${UI_VERSION#v}
PG_IMAGE=$REPO/postgresql:15
build_image "$SERVER_IMAGE" "$HERE/images/temporal-server.Dockerfile" "$SERVER_DIR/.stamp" -- temporal-server entrypoint.sh
build_image "$ADMIN_IMAGE" "$HERE/images/admin-tools.Dockerfile" "$SQL_DIR/.stamp" -- temporal-sql-tool schema
build_image "$UI_IMAGE" "$HERE/images/temporal-ui.Dockerfile" "$UI_DIR/.stamp" -- ui-server start-ui-server.sh docker.yaml
build_image "$PG_IMAGE" "$HERE/images/postgresql.Dockerfile" "$HERE/images/postgresql-entrypoint.sh" -- docker-entrypoint.sh

cat > "$CACHE/images.env" <<EOF
TEMPORAL_SERVER_IMAGE=$SERVER_IMAGE
TEMPORAL_ADMINTOOLS_IMAGE=$ADMIN_IMAGE
TEMPORAL_UI_IMAGE=$UI_IMAGE
POSTGRESQL_IMAGE=$PG_IMAGE
EOF
log "summary:"
printf '    %s\n' "${SUMMARY[@]}" >&2
log "total: $(( $(date +%s) - T0 ))s; variables for docker-compose.temporal.yml in $CACHE/images.env"
