#!/usr/bin/env bash
# The real lane's extra binaries that lab/real/build.sh does not build (it is left as it is):
#   kubectl  k8s.io/kubernetes/cmd/kubectl            (same module, version and ldflags as build.sh's kubernetes step)
#   agnhost  k8s.io/kubernetes/test/images/agnhost     (the e2e test server; tag = its VERSION file)
#   flannel-cni  github.com/containernetworking/plugins v0.9.1 plugins/meta/flannel (wrapper lab/real/flannel-cni)
#   flannel-install-conf  github.com/flannel-io/flannel/cmd/install_conf (the flannel image's /opt/bin/install-conf)
# Built in a copy of lab/real/kubernetes/<version>/ under the cache (lab/real's go.sum stays untouched).
# Usage: lab/real/extras.sh [--k8s-version v1.37.2]   Output: <cache>/real/{kubectl-v1.37.2,agnhost-<tag>,flannel-cni-v1.0.1}/bin
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
K8S_VERSION=v1.37.2
[ "${1:-}" != --k8s-version ] || K8S_VERSION=$2
CACHE=${HAKUBE_LAB_CACHE:-$HOME/.cache/hakube-lab}/real
export GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false"
command -v go >/dev/null || export PATH=/usr/local/go/bin:$PATH
T0=$(date +%s)
log() { printf '[extras %4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
K8S_STAMP=$CACHE/kubernetes-$K8S_VERSION/.stamp
[ -f "$K8S_STAMP" ] || bash "$HERE/build.sh" --k8s-version "$K8S_VERSION" kubernetes >&2
src=$CACHE/src/kubernetes-$K8S_VERSION
mkdir -p "$src" "$CACHE/logs"
cmp -s "$HERE/kubernetes/$K8S_VERSION/go.mod" "$src/go.mod.orig" 2>/dev/null || {
  cp "$HERE/kubernetes/$K8S_VERSION/go.mod" "$src/go.mod.orig"
  cp "$HERE/kubernetes/$K8S_VERSION/go.mod" "$HERE/kubernetes/$K8S_VERSION/go.sum" "$src/"
}
ld=$(sed -n 's/^ldflags=//p' "$K8S_STAMP")
tags=$(sed -n 's/^tags=//p' "$K8S_STAMP")
stamp() { # OUT what
  { echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"; echo "$2"; echo "go=$(go env GOVERSION)"; (cd "$1/bin" && sha256sum -- *); } >"$1/.stamp"
}
build() { # NAME OUT DIR PKG [LDFLAGS]
  local name=$1 out=$2 dir=$3 pkg=$4 flags=${5:-$ld}
  if [ -f "$out/.stamp" ]; then log "$name: cached in $out"; return 0; fi
  log "$name: building $pkg (log: $CACHE/logs/$name.log)"
  rm -rf "$out.tmp"; mkdir -p "$out.tmp/bin"
  (cd "$dir" && CGO_ENABLED=0 nice -n 10 go build -trimpath -tags "$tags" -ldflags "$flags" -o "$out.tmp/bin/$name" "$pkg") >"$CACHE/logs/$name.log" 2>&1 ||
    { tail -20 "$CACHE/logs/$name.log" >&2; return 1; }
  stamp "$out.tmp" "package=$pkg"; rm -rf "$out"; mv "$out.tmp" "$out"
  log "$name: built -> $out/bin"
}
build kubectl "$CACHE/kubectl-$K8S_VERSION" "$src" k8s.io/kubernetes/cmd/kubectl
agnhost_dir=$(cd "$src" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)/test/images/agnhost
AGNHOST_TAG=$(cat "$agnhost_dir/VERSION")
build agnhost "$CACHE/agnhost-$AGNHOST_TAG" "$src" k8s.io/kubernetes/test/images/agnhost "-s -w"
fd=$HERE/flannel-cni
fv=$(awk '$1=="require" && $2=="github.com/containernetworking/plugins" {print $3}' "$fd/go.mod")
tags='' build flannel "$CACHE/flannel-cni-$fv" "$fd" github.com/containernetworking/plugins/plugins/meta/flannel \
  "-s -w -extldflags -static -X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$fv"
# install-conf, in a copy of lab/real/flannel (its go.sum stays untouched)
fm=$HERE/flannel; flv=$(awk '($1=="require" && $2=="github.com/flannel-io/flannel") {print $3} $1=="github.com/flannel-io/flannel" {print $2}' "$fm/go.mod" | head -1)
fsrc=$CACHE/src/flannel-$flv
if [ ! -f "$fsrc/go.mod" ]; then mkdir -p "$fsrc"; cp -a "$fm/." "$fsrc/"; fi
tags='' build install-conf "$CACHE/flannel-install-conf-$flv" "$fsrc" github.com/flannel-io/flannel/cmd/install_conf "-s -w"
log "done"
