#!/usr/bin/env bash
# The real lane's OCI images, assembled without docker build and without any base image: each is one
# layer tarball (the binaries built by lab/real/build.sh and lab/real/extras.sh, plus a userland from
# Debian .debs where one is needed) appended to an empty base with crane and pushed to the lab registry
# under its UPSTREAM path without the registry host (the registry is every registry's containerd mirror:
# registry.k8s.io/pause:3.10.2 is asked as /v2/pause/manifests/3.10.2?ns=registry.k8s.io).
# Usage: lab/real/images.sh [REGISTRY]   (default 10.213.71.1:5000; it must be running)
# Cached: a layer is rebuilt when its inputs change (key = sha256 of recipe + inputs, under
# <cache>/real/images/); an image is pushed again only when the registry lacks the recorded digest.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REGISTRY=${1:-10.213.71.1:5000}
REAL=${HAKUBE_LAB_CACHE:-$HOME/.cache/hakube-lab}/real
K8S_VERSION=${K8S_VERSION:-v1.37.2}
OUT=$REAL/images
mkdir -p "$OUT"
T0=$(date +%s)
log() { printf '[images %4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
one() { local f; for f in "$@"; do [ -e "$f" ] && { echo "$f"; return; }; done; echo "images.sh: none of $*" >&2; return 1; }
CRANE=$(one "$REAL"/crane-*/bin/crane)
crane() { "$CRANE" --insecure --platform linux/amd64 "$@"; }
K8S=$REAL/kubernetes-$K8S_VERSION/bin
[ -x "$K8S/kubeadm" ] || { echo "images.sh: no $K8S/kubeadm: run lab/real/build.sh first" >&2; exit 1; }
tag_of() { sed -n "s#^registry.k8s.io/$1:##p" "$REAL/kubernetes-$K8S_VERSION/images.txt"; }
PAUSE_TAG=$(tag_of pause) COREDNS_TAG=$(tag_of coredns/coredns)
RECIPE=$(sha256sum "$0" | cut -c1-16)

# Deterministic layer tarball of DIR.
layer() { tar -C "$1" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -c . | gzip -n -1 >"$2"; }

# Debian packages and their dependencies, extracted into DIR (merged /usr as Debian 12 hosts have it).
debian_root() { # DIR PACKAGE...
  local dir=$1 dl; shift
  dl=$(mktemp -d /var/tmp/hakube-lab-debs.XXXXXX)
  local pkgs
  pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances "$@" |
    grep -v '^ ' | grep -v '^<' | sort -u)
  # shellcheck disable=SC2086
  (cd "$dl" && apt-get download $pkgs >/dev/null 2>"$dl/err") || { cat "$dl/err" >&2; rm -rf "$dl"; return 1; }
  local d; for d in "$dl"/*.deb; do dpkg-deb -x "$d" "$dir"; done
  for d in bin sbin lib lib64; do
    mkdir -p "$dir/usr/$d"
    if [ -d "$dir/$d" ] && [ ! -L "$dir/$d" ]; then cp -a "$dir/$d/." "$dir/usr/$d/"; rm -rf "${dir:?}/$d"; fi
    ln -sfn "usr/$d" "$dir/$d"
  done
  rm -rf "$dir/usr/share/doc" "$dir/usr/share/man" "$dir/usr/share/info" "$dir/usr/share/locale" "$dl"
  mkdir -p "$dir/tmp" "$dir/run" "$dir/var/run"; chmod 1777 "$dir/tmp"
}
# iptables as the hosts have it (Debian 12: the nf_tables variant behind the alternatives), legacy beside it.
iptables_alternatives() { # DIR
  local t
  for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    ln -sfn "/usr/sbin/xtables-nft-multi" "$1/usr/sbin/$t"
  done
}

# build_image REF KEY_INPUTS... -- MUTATE_ARGS...; the layer dir is prepared by the function named in $PREPARE.
build_image() {
  local ref=$1 name; shift
  local inputs=() mut=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do inputs+=("$1"); shift; done
  shift; mut=("$@")
  name=$(echo "$ref" | tr '/:' '__')
  local key
  key=$( { echo "$RECIPE $ref ${mut[*]}"; declare -f "$PREPARE"; for f in "${inputs[@]}"; do sha256sum "$f" 2>/dev/null || echo "$f"; done; } | sha256sum | cut -c1-16)
  local full=$REGISTRY/$ref
  if [ -f "$OUT/$name.key" ] && [ "$(cat "$OUT/$name.key")" = "$key" ] && [ -f "$OUT/$name.digest" ] &&
     [ "$(crane digest "$full" 2>/dev/null)" = "$(cat "$OUT/$name.digest")" ]; then
    log "$ref: cached ($(cat "$OUT/$name.digest" | cut -c1-19))"; return 0
  fi
  local tgz=$OUT/$name-$key.tar.gz
  if [ ! -f "$tgz" ]; then
    local dir; dir=$(mktemp -d /var/tmp/hakube-lab-layer.XXXXXX)
    "$PREPARE" "$dir"
    layer "$dir" "$tgz.partial" && mv -f "$tgz.partial" "$tgz"
    rm -rf "$dir"
    rm -f $(ls "$OUT/$name"-*.tar.gz | grep -v -- "-$key.tar.gz") 2>/dev/null || true
  fi
  crane append --oci-empty-base -f "$tgz" -t "$full" >/dev/null 2>"$OUT/$name.err" || { cat "$OUT/$name.err" >&2; return 1; }
  crane mutate "$full" --set-platform linux/amd64 "${mut[@]}" -t "$full" >/dev/null 2>"$OUT/$name.err" || { cat "$OUT/$name.err" >&2; return 1; }
  crane digest "$full" >"$OUT/$name.digest"
  echo "$key" >"$OUT/$name.key"
  log "$ref: pushed ($(du -h "$tgz" | cut -f1) layer, $(cut -c1-19 "$OUT/$name.digest"))"
}

# --- control plane: the static binary in /usr/local/bin, PATH set (kubeadm's static pods run `kube-apiserver …`).
for b in kube-apiserver kube-controller-manager kube-scheduler; do
  eval "prep_$b() { install -D -m 755 '$K8S/$b' \"\$1/usr/local/bin/$b\"; mkdir -p \"\$1/tmp\"; chmod 1777 \"\$1/tmp\"; }"
  PREPARE=prep_$b build_image "$b:$K8S_VERSION" "$K8S/$b" -- --env PATH=/usr/local/bin:/usr/bin:/bin --entrypoint "/usr/local/bin/$b"
done

# --- pause: /pause, USER 65535:65535.
PAUSE_BIN=$REAL/pause-$PAUSE_TAG/bin/pause
prep_pause() { install -D -m 755 "$PAUSE_BIN" "$1/pause"; }
PREPARE=prep_pause build_image "pause:$PAUSE_TAG" "$PAUSE_BIN" -- --user 65535:65535 --entrypoint /pause

# --- CoreDNS: /coredns (as root: it binds :53).
COREDNS_BIN=$REAL/coredns-$COREDNS_TAG/bin/coredns
prep_coredns() { install -D -m 755 "$COREDNS_BIN" "$1/coredns"; mkdir -p "$1/tmp"; chmod 1777 "$1/tmp"; }
PREPARE=prep_coredns build_image "coredns/coredns:$COREDNS_TAG" "$COREDNS_BIN" -- --entrypoint /coredns --exposed-ports 53/udp,53/tcp,9153/tcp

# --- kube-proxy: a Debian userland like upstream's distroless-iptables (iptables nft+legacy, ipset, kmod, nft).
prep_kube_proxy() {
  debian_root "$1" iptables ipset kmod nftables dash
  iptables_alternatives "$1"
  install -D -m 755 "$K8S/kube-proxy" "$1/usr/local/bin/kube-proxy"
}
PREPARE=prep_kube_proxy build_image "kube-proxy:$K8S_VERSION" "$K8S/kube-proxy" -- --env PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --entrypoint /usr/local/bin/kube-proxy

# --- agnhost (lab/real/extras.sh): the e2e test server, /agnhost.
AGNHOST_BIN=$(one "$REAL"/agnhost-*/bin/agnhost 2>/dev/null || true)
if [ -n "$AGNHOST_BIN" ]; then
  AGNHOST_TAG=$(basename "$(dirname "$(dirname "$AGNHOST_BIN")")"); AGNHOST_TAG=${AGNHOST_TAG#agnhost-}
  prep_agnhost() { install -D -m 755 "$AGNHOST_BIN" "$1/agnhost"; mkdir -p "$1/tmp"; chmod 1777 "$1/tmp"; }
  PREPARE=prep_agnhost build_image "e2e-test-images/agnhost:$AGNHOST_TAG" "$AGNHOST_BIN" -- --entrypoint /agnhost
else log "agnhost: not built (lab/real/extras.sh): skipped"; fi

# --- flannel: flanneld (+ install-conf, iptables) and the CNI plugin image (/flannel + busybox cp).
FLANNELD=$(one "$REAL"/flannel-v*/bin/flanneld 2>/dev/null || true)
INSTALL_CONF=$(one "$REAL"/flannel-install-conf-*/bin/install-conf 2>/dev/null || true)
FLANNEL_CNI=$(one "$REAL"/flannel-cni-*/bin/flannel 2>/dev/null || true)
MANIFEST=$(one "$(go env GOMODCACHE 2>/dev/null || echo /nonexistent)"/github.com/flannel-io/flannel@*/Documentation/kube-flannel.yml 2>/dev/null || true)
if [ -n "$FLANNELD" ] && [ -n "$INSTALL_CONF" ] && [ -n "$FLANNEL_CNI" ] && [ -n "$MANIFEST" ]; then
  FLANNEL_REF=$(sed -n 's#^ *image: ghcr.io/\(flannel-io/flannel:.*\)#\1#p' "$MANIFEST" | head -1)
  CNI_REF=$(sed -n 's#^ *image: ghcr.io/\(flannel-io/flannel-cni-plugin:.*\)#\1#p' "$MANIFEST" | head -1)
  prep_flannel() {
    debian_root "$1" iptables iproute2 kmod nftables dash
    iptables_alternatives "$1"
    install -D -m 755 "$FLANNELD" "$1/opt/bin/flanneld"
    install -D -m 755 "$INSTALL_CONF" "$1/opt/bin/install-conf"
  }
  PREPARE=prep_flannel build_image "$FLANNEL_REF" "$FLANNELD" "$INSTALL_CONF" -- --env PATH=/opt/bin:/usr/sbin:/usr/bin:/sbin:/bin --entrypoint /opt/bin/flanneld
  prep_flannel_cni() {
    local dl; dl=$(mktemp -d /var/tmp/hakube-lab-debs.XXXXXX)
    (cd "$dl" && apt-get download busybox-static >/dev/null 2>&1)
    dpkg-deb -x "$dl"/busybox-static_*.deb "$dl/x"
    install -D -m 755 "$dl/x/bin/busybox" "$1/bin/busybox"; ln -s busybox "$1/bin/cp"; ln -s busybox "$1/bin/sh"
    install -D -m 755 "$FLANNEL_CNI" "$1/flannel"; rm -rf "$dl"
  }
  PREPARE=prep_flannel_cni build_image "$CNI_REF" "$FLANNEL_CNI" -- --env PATH=/bin --entrypoint /flannel
else log "flannel: flanneld/install-conf/flannel CNI plugin/manifest not all built (lab/real/build.sh flannel, lab/real/extras.sh): skipped"; fi
log "done: $REGISTRY"
