#!/usr/bin/env bash
# Build the lab's real Temporal deployment from its upstream Go modules (Go module proxy only; no
# binary downloads, no registry images). See docs/temporal.md ("The lab's real Temporal deployment").
#
# Usage: lab/temporal/build.sh [--force] [component...]
#   components: temporal-server temporal-sql-tool temporal-ui compose
#   (default: the first three, and compose when this machine's docker has no `docker compose`)
#
# Output: ${HAKUBE_LAB_CACHE:-$HOME/.cache/hakube-lab}/temporal/<component>-<version>/
#   bin/...            the binaries
#   schema/, config/   what the image needs beside them (schema files, the UI server's config)
#   .stamp             versions, flags, toolchain, seconds, sha256 of every file; a stamped component
#                      is skipped (--force rebuilds the named ones). Logs: <cache>/temporal/logs/.
# Each component has a wrapper module here (go.mod + go.sum, exact versions); Go's module and build
# caches stay in their default places. Every go command runs under `nice -n 15`.
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "$0")" && pwd)
FORCE=0
ALL=(temporal-server temporal-sql-tool temporal-ui compose)
want=()
while [ $# -gt 0 ]; do
  case "$1" in
    --force) FORCE=1; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "build.sh: unknown option $1" >&2; exit 2 ;;
    *) want+=("$1"); shift ;;
  esac
done
if [ ${#want[@]} -eq 0 ]; then
  want=(temporal-server temporal-sql-tool temporal-ui)
  docker compose version >/dev/null 2>&1 || want+=(compose)
fi
for c in "${want[@]}"; do
  case " ${ALL[*]} " in *" $c "*) ;; *) echo "build.sh: unknown component $c (known: ${ALL[*]})" >&2; exit 2 ;; esac
done

CACHE=${HAKUBE_LAB_CACHE:-$HOME/.cache/hakube-lab}/temporal
LOGS=$CACHE/logs
mkdir -p "$CACHE" "$LOGS"
export GOFLAGS="-mod=mod -buildvcs=false"
NICE=(nice -n 15)
command -v go >/dev/null || export PATH=/usr/local/go/bin:$PATH

T0=$(date +%s)
log() { printf '[temporal %5ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }

# --- helpers (as lab/real/build.sh) ---------------------------------------------------------------

# required version of MODULE in the wrapper go.mod in DIR (no network)
req_version() { awk -v m="$2" '($1==m || ($1=="require" && $2==m)) { v = ($1=="require") ? $3 : $2; print v; exit }' "$1/go.mod"; }
# h1: hash of MODULE@VERSION's zip as recorded in DIR/go.sum
zip_sum() { awk -v m="$2" -v v="$3" '$1==m && $2==v { print $3; exit }' "$1/go.sum"; }

# The toolchain a wrapper module needs. go.temporal.io/server v1.32.2 and ui-server v2.58.1 say
# `go 1.26.10`; when the installed Go is older, Go's own toolchain module of exactly that version
# (golang.org/toolchain@v0.0.1-go1.26.10.linux-amd64, from the module proxy, checked against the
# checksum database) is named, never "auto" or a newer one.
toolchain_for() { # DIR
  local need have
  need=$(awk '$1=="go" { print $2; exit }' "$1/go.mod")
  have=$(GOTOOLCHAIN=local go env GOVERSION); have=${have#go}
  if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" = "$need" ]; then echo local; else echo "go$need"; fi
}

prepare_module() { # DIR
  if [ ! -s "$1/go.sum" ]; then
    log "  go mod tidy in ${1#"$HERE"/}"
    (cd "$1" && "${NICE[@]}" go mod tidy)
  fi
}

moddir() { (cd "$1" && go list -m -f '{{.Dir}}' "$2"); }

write_stamp() { # OUTDIR seconds  key=value...
  local out=$1 secs=$2; shift 2
  {
    printf 'built=%s\nseconds=%s\ngo=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$secs" "$(go env GOVERSION)"
    for kv in "$@"; do printf '%s\n' "$kv"; done
    echo "sha256:"
    (cd "$out" && find . -type f ! -name .stamp | sort | xargs sha256sum)
  } > "$out/.stamp"
}

# --- components -----------------------------------------------------------------------------------

# Upstream (Makefile, .goreleaser.yml): CGO_ENABLED=0, tag disable_grpc_modules; the version is the
# constant headers.ServerVersion in the source (no -X ldflag upstream), so none is added here.
SERVER_TAGS=disable_grpc_modules
SERVER_LD="-s -w"

build_temporal_server() { # OUT VERSION
  local out=$1 v=$2 d=$HERE/server m=go.temporal.io/server
  prepare_module "$d"
  (cd "$d" && CGO_ENABLED=0 "${NICE[@]}" go build -trimpath -tags "$SERVER_TAGS" -ldflags "$SERVER_LD" -o "$out/bin/temporal-server" $m/cmd/server)
  local got; got=$("$out/bin/temporal-server" --version); echo "$got"
  [ "$got" = "temporal version ${v#v}" ] || { echo "temporal-server --version: '$got', not ${v#v}"; return 1; }
  # upstream's image entrypoint (docker/scripts/sh/entrypoint.sh), copied into the lab image unchanged
  mkdir -p "$out/docker"
  cp "$(moddir "$d" $m)/docker/scripts/sh/entrypoint.sh" "$out/docker/entrypoint.sh"
  STAMP=("module=$m@$v" "zip=$(zip_sum "$d" $m "$v")" "CGO_ENABLED=0" "tags=$SERVER_TAGS" "ldflags=$SERVER_LD")
}

build_temporal_sql_tool() { # OUT VERSION
  local out=$1 v=$2 d=$HERE/server m=go.temporal.io/server
  prepare_module "$d"
  (cd "$d" && CGO_ENABLED=0 "${NICE[@]}" go build -trimpath -tags "$SERVER_TAGS" -ldflags "$SERVER_LD" -o "$out/bin/temporal-sql-tool" $m/cmd/tools/sql)
  local got; got=$("$out/bin/temporal-sql-tool" --version); echo "$got"
  grep -q "${v#v}" <<<"$got" || { echo "temporal-sql-tool --version: '$got', not ${v#v}"; return 1; }
  # the schema files the tool applies, as the admin-tools image has them under /etc/temporal/schema
  mkdir -p "$out/schema"
  cp -r "$(moddir "$d" $m)/schema/postgresql" "$out/schema/"
  chmod -R u+w "$out/schema"
  STAMP=("module=$m@$v" "zip=$(zip_sum "$d" $m "$v")" "CGO_ENABLED=0" "tags=$SERVER_TAGS" "ldflags=$SERVER_LD"
         "schema=$m@$v/schema/postgresql")
}

# Upstream (Makefile build-server, Dockerfile): `go build -o ui-server ./cmd/server/main.go`; the
# version is the constant version.UIVersion (no -X ldflag upstream).
build_temporal_ui() { # OUT VERSION
  local out=$1 v=$2 d=$HERE/ui-server m=github.com/temporalio/ui-server/v2
  prepare_module "$d"
  (cd "$d" && CGO_ENABLED=0 "${NICE[@]}" go build -trimpath -ldflags "-s -w" -o "$out/bin/ui-server" $m/cmd/server)
  local got; got=$("$out/bin/ui-server" --version); echo "$got"
  grep -q "${v#v}" <<<"$got" || { echo "ui-server --version: '$got', not ${v#v}"; return 1; }
  local src; src=$(moddir "$d" $m)
  mkdir -p "$out/config" "$out/docker"
  cp "$src/config/docker.yaml" "$out/config/docker.yaml"
  cp "$src/docker/start-ui-server.sh" "$out/docker/start-ui-server.sh"
  chmod u+w "$out/config/docker.yaml" "$out/docker/start-ui-server.sh"
  STAMP=("module=$m@$v" "zip=$(zip_sum "$d" $m "$v")" "api=go.temporal.io/api@$(req_version "$d" go.temporal.io/api) (v1.64.0 not served)"
         "CGO_ENABLED=0" "ldflags=-s -w")
}

# Upstream Makefile: -trimpath, GO_LDFLAGS "-w -X ${PKG}/internal.Version=${VERSION}".
build_compose() { # OUT VERSION
  local out=$1 v=$2 d=$HERE/compose m=github.com/docker/compose/v2
  prepare_module "$d"
  local ld="-s -w -X $m/internal.Version=$v"
  (cd "$d" && CGO_ENABLED=0 "${NICE[@]}" go build -trimpath -ldflags "$ld" -o "$out/bin/docker-compose" $m/cmd)
  "$out/bin/docker-compose" version
  STAMP=("module=$m@$v" "zip=$(zip_sum "$d" $m "$v")" "CGO_ENABLED=0" "ldflags=$ld")
}

# --- driver ---------------------------------------------------------------------------------------

dir_of() {
  case "$1" in
    temporal-server|temporal-sql-tool) echo "$HERE/server" ;;
    temporal-ui) echo "$HERE/ui-server" ;;
    compose) echo "$HERE/compose" ;;
  esac
}
version_of() {
  case "$1" in
    temporal-server|temporal-sql-tool) req_version "$HERE/server" go.temporal.io/server ;;
    temporal-ui) req_version "$HERE/ui-server" github.com/temporalio/ui-server/v2 ;;
    compose) req_version "$HERE/compose" github.com/docker/compose/v2 ;;
  esac
}

FAILED=()
SUMMARY=()
run_component() {
  local c=$1 v out t s tc
  v=$(version_of "$c")
  out=$CACHE/$c-$v
  if [ -f "$out/.stamp" ] && [ "$FORCE" = 0 ]; then
    log "$c $v: cached in $out"
    SUMMARY+=("$(printf '%-18s %-9s %6ss  cached (cold build: %ss)' "$c" "$v" 0 "$(sed -n 's/^seconds=//p' "$out/.stamp")")")
    return 0
  fi
  tc=$(toolchain_for "$(dir_of "$c")")
  log "$c $v: building with GOTOOLCHAIN=$tc (log: $LOGS/$c-$v.log)"
  t=$(date +%s)
  rm -rf "$out.tmp"; mkdir -p "$out.tmp/bin"
  STAMP=()
  local fn=build_${c//-/_} rc
  set +e   # errexit must stay active inside the subshell, so it must not be an `if` condition
  ( set -euo pipefail; export GOTOOLCHAIN=$tc; "$fn" "$out.tmp" "$v"; declare -p STAMP > "$out.tmp/.stampvars" ) > "$LOGS/$c-$v.log" 2>&1
  rc=$?
  set -e
  s=$(( $(date +%s) - t ))
  if [ $rc -eq 0 ]; then
    # shellcheck disable=SC1091
    source "$out.tmp/.stampvars"; rm -f "$out.tmp/.stampvars"
    GOTOOLCHAIN=$tc write_stamp "$out.tmp" "$s" "component=$c" "version=$v" "GOTOOLCHAIN=$tc" "${STAMP[@]}"
    rm -rf "$out"; mv "$out.tmp" "$out"
    log "$c $v: built in ${s}s -> $out/bin ($(du -sh "$out/bin" | cut -f1))"
    SUMMARY+=("$(printf '%-18s %-9s %6ss  built' "$c" "$v" "$s")")
  else
    log "$c $v: FAILED after ${s}s; last lines of $LOGS/$c-$v.log:"
    tail -n 25 "$LOGS/$c-$v.log" | sed 's/^/    /'
    FAILED+=("$c")
    SUMMARY+=("$(printf '%-18s %-9s %6ss  FAILED' "$c" "$v" "$s")")
  fi
}

log "cache: $CACHE   go: $(GOTOOLCHAIN=local go env GOVERSION)   components: ${want[*]}"
for c in "${want[@]}"; do run_component "$c"; done
log "summary:"
printf '    %s\n' "${SUMMARY[@]}"
log "total: $(( $(date +%s) - T0 ))s${FAILED:+   FAILED: ${FAILED[*]}}"
[ ${#FAILED[@]} -eq 0 ]
