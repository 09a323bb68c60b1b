#!/usr/bin/env bash
# The real lane's apt repository, laid out and signed like pkgs.k8s.io (a flat repository, Suites: /):
# kubelet, kubeadm, kubectl 1.37.2-1.1, kubernetes-cni 1.10.0-1.1, cri-tools 1.37.0-1.1, with the files,
# units and dependencies upstream's packages have (kubernetes/release cmd/krel/templates/latest), holding
# the REAL binaries built by lab/real/build.sh (+ kubectl by lab/real/extras.sh). Signed with the stand-in
# repository's key (same GNUPGHOME, lab/standins/build-repo.sh makes it). Also the containerd release
# tarball (upstream layout: bin/containerd, bin/containerd-shim-runc-v2, bin/ctr), runc.amd64 and
# upstream's containerd.service, and flannel's upstream kube-flannel.yml with the lab's variant of it.
# In the same repository: etcd-server (/usr/bin/etcd, /usr/bin/etcdutl) and etcd-client (/usr/bin/etcdctl)
# <etcd version>-0hakube1, the real etcd 3.6 built by lab/real/build.sh: above Debian 12's 3.4.23-4+b4,
# which kubeadm 1.37 refuses ("only supports external etcd version >= 3.5.24-0"), so apt picks them.
# Unlike Debian's etcd-server they have no unit and no maintainer scripts: nothing starts a member on
# install (hakube writes and starts its own etcd.service).
# Usage: apt-repo.sh MIRROR_DIR GNUPG_HOME
# Output: MIRROR/apt-real/{*.deb,Packages,Packages.gz,Release,InRelease,Release.gpg,key.asc},
#         MIRROR/real/{containerd-<v>-linux-amd64.tar.gz,runc.amd64,containerd.service,SHA256SUMS},
#         MIRROR/manifests/{kube-flannel.yml,kube-flannel-lab.yml}
set -euo pipefail
mirror=$1
export GNUPGHOME=$2
. "$(cd "$(dirname "$0")" && pwd)/../apt-publish.sh"
REAL=${HAKUBE_LAB_CACHE:-$HOME/.cache/hakube-lab}/real
K8S_VERSION=${K8S_VERSION:-v1.37.2}
command -v go >/dev/null || export PATH=/usr/local/go/bin:$PATH
one() { local f; for f in "$@"; do [ -e "$f" ] && { echo "$f"; return; }; done; echo "apt-repo.sh: none of $*" >&2; return 1; }
K8S=$REAL/kubernetes-$K8S_VERSION/bin
CNI=$(one "$REAL"/cni-plugins-v*/bin); CNI_V=$(basename "$(dirname "$CNI")"); CNI_V=${CNI_V#cni-plugins-v}
CRICTL=$(one "$REAL"/crictl-v*/bin/crictl); CRI_V=$(basename "$(dirname "$(dirname "$CRICTL")")"); CRI_V=${CRI_V#crictl-v}
CTRD=$(one "$REAL"/containerd-v*/bin); CTRD_V=$(basename "$(dirname "$CTRD")"); CTRD_V=${CTRD_V#containerd-v}
RUNC=$(one "$REAL"/runc-v*/bin/runc)
# Helm is a client, not part of Kubernetes: the same pinned real binary the stand-in repository carries
# (lab/real-clients/fetch.sh; building it from helm.sh/helm/v4 took 432 s more of a cold build, for the same tool).
HELM=$(bash "$(dirname "$0")/../real-clients/fetch.sh")/helm; HELM_V=$("$HELM" version --template '{{.Version}}'); HELM_V=${HELM_V#v}
# etcd at the version lab/real/etcd/go.mod pins (lab/real/build.sh etcd).
ETCD_V=$(awk '$1=="go.etcd.io/etcd/server/v3" {print $2; exit}' "$(dirname "$0")/etcd/go.mod"); ETCD_V=${ETCD_V#v}
ETCD=$(one "$REAL/etcd-v$ETCD_V/bin")
KUBECTL=$(one "$REAL/kubectl-$K8S_VERSION/bin/kubectl" "$(bash "$(dirname "$0")/../real-clients/fetch.sh")/kubectl")
V=${K8S_VERSION#v}-1.1
apt_dir=$mirror/apt-real

# flannel's upstream kube-flannel.yml (from the flannel module lab/real/build.sh downloaded), and the lab's
# variant kube-flannel-lab.yml, which differs from it ONLY in cni-conf.json's cniVersion (1.0.0 -> 0.3.1):
# the flannel CNI plugin the lab can build (containernetworking/plugins v0.9.1 plugins/meta/flannel,
# lab/real/extras.sh) speaks CNI up to 0.4.0 and fails upstream's 1.0.0 with "incompatible CNI versions";
# upstream's own plugin module (github.com/flannel-io/cni-plugin) is not served by the Go module proxy (403).
flannel_manifests() {
  local fl tmp
  fl=$(ls "$(go env GOMODCACHE)"/github.com/flannel-io/flannel@v*/Documentation/kube-flannel.yml 2>/dev/null | tail -1 || true)
  [ -n "$fl" ] || return 0
  install -d "$mirror/manifests"; install -m 644 "$fl" "$mirror/manifests/kube-flannel.yml"
  tmp=$(mktemp "$mirror/manifests/.kube-flannel-lab.XXXXXX")
  {
    echo "# hakube lab variant of flannel's kube-flannel.yml ($(basename "$(dirname "$(dirname "$fl")")" | sed 's/.*@//'), served beside it as kube-flannel.yml),"
    echo "# written by lab/real/apt-repo.sh. It differs from upstream ONLY in cni-conf.json's \"cniVersion\": \"0.3.1\""
    echo "# (upstream: \"1.0.0\"): the lab's flannel CNI plugin is containernetworking/plugins v0.9.1's"
    echo "# plugins/meta/flannel (lab/real/extras.sh), which speaks CNI spec versions up to 0.4.0 and rejects a"
    echo "# 1.0.0 config (\"incompatible CNI versions\"); upstream's plugin, github.com/flannel-io/cni-plugin"
    echo "# (the flannel-cni-plugin image), is not served by the Go module proxy (403 Forbidden), so it is not built."
    sed 's/^\( *"cniVersion": \)"1\.0\.0",$/\1"0.3.1",/' "$fl"
  } >"$tmp"
  # exactly one line differs, besides the header
  [ "$(tail -n +7 "$tmp" | diff "$fl" - | grep -c '^>')" = 1 ] ||
    { rm -f "$tmp"; echo "apt-repo.sh: $fl: no single \"cniVersion\": \"1.0.0\" line to change for kube-flannel-lab.yml" >&2; return 1; }
  chmod 644 "$tmp"; mv -f "$tmp" "$mirror/manifests/kube-flannel-lab.yml"
}

# Cached: nothing is rebuilt while this script, the binaries and the key are the same (the .debs are reproducible).
key=$( { cat "$0"; sha256sum "$K8S/kubelet" "$K8S/kubeadm" "$KUBECTL" "$CNI"/* "$CRICTL" "$CTRD"/* "$RUNC" "$ETCD"/*;
  gpg --batch --with-colons --fingerprint hakube-lab 2>/dev/null | grep '^fpr' | head -1; } | sha256sum | cut -c1-16)
if [ -f "$apt_dir/.key" ] && [ "$(cat "$apt_dir/.key")" = "$key" ] && [ -f "$apt_dir/InRelease" ] && [ -f "$mirror/real/SHA256SUMS" ] &&
   (cd "$mirror/real" && sha256sum --quiet -c SHA256SUMS >/dev/null 2>&1); then
  flannel_manifests
  exit 0
fi
work=$(mktemp -d /var/tmp/hakube-real-repo.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out"

# Reproducible: the same inputs give the same .debs (so the Packages/Release pins only move with them).
export SOURCE_DATE_EPOCH=1761566464
deb() { # name version depends description  (files staged under $work/$name; DEB_HOMEPAGE, DEB_SUGGESTS optional)
  local name=$1 version=$2 depends=$3 root=$work/$1
  install -d "$root/DEBIAN"
  {
    echo "Package: $name"
    echo "Version: $version"
    echo "Architecture: amd64"
    echo "Maintainer: hakube lab <lab@hakube.invalid>"
    [ -z "$depends" ] || echo "Depends: $depends"
    [ -z "${DEB_SUGGESTS:-}" ] || echo "Suggests: $DEB_SUGGESTS"
    echo "Section: misc"
    echo "Priority: optional"
    echo "Homepage: ${DEB_HOMEPAGE:-https://kubernetes.io}"
    echo "Description: $4"
    echo " The real upstream binaries, built from their Go modules by lab/real/build.sh (hakube lab)."
  } >"$root/DEBIAN/control"
  find "$root" -exec touch -h -d @$SOURCE_DATE_EPOCH {} +
  dpkg-deb --root-owner-group -Zgzip -z6 --build "$root" "$work/out/${name}_${version}_amd64.deb" >/dev/null
  rm -rf "$root"
}
systemd_scripts() { # name unit: daemon-reload after install/removal, as upstream's systemd_post/postun
  printf '#!/bin/sh\nset -e\nif [ -d /run/systemd/system ]; then systemctl --system daemon-reload >/dev/null || true; fi\n' >"$work/$1/DEBIAN/postinst"
  cp "$work/$1/DEBIAN/postinst" "$work/$1/DEBIAN/postrm"
  printf '#!/bin/sh\nset -e\nif [ -d /run/systemd/system ] && [ "$1" = remove ]; then systemctl stop %s >/dev/null 2>&1 || true; fi\n' "$2" >"$work/$1/DEBIAN/prerm"
  chmod 755 "$work/$1"/DEBIAN/{postinst,postrm,prerm}
}

# kubelet
r=$work/kubelet
install -D -m 755 "$K8S/kubelet" "$r/usr/bin/kubelet"
install -d "$r/usr/lib/systemd/system" "$r/etc/default" "$r/var/lib/kubelet" "$r/etc/kubernetes/manifests" "$r/DEBIAN"
cat >"$r/usr/lib/systemd/system/kubelet.service" <<'UNIT'
[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=https://kubernetes.io/docs/
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
UNIT
echo 'KUBELET_EXTRA_ARGS=' >"$r/etc/default/kubelet"
: >"$r/var/lib/kubelet/.kubelet-keep"; : >"$r/etc/kubernetes/manifests/.kubelet-keep"
echo /etc/default/kubelet >"$r/DEBIAN/conffiles"
systemd_scripts kubelet kubelet.service
deb kubelet "$V" "iptables (>= 1.4.21), mount, util-linux, kubernetes-cni (>= 1.2.0)" "Node agent for Kubernetes clusters"

# kubeadm
r=$work/kubeadm
install -D -m 755 "$K8S/kubeadm" "$r/usr/bin/kubeadm"
install -d "$r/usr/lib/systemd/system/kubelet.service.d"
cat >"$r/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf" <<'UNIT'
# Note: This dropin only works with kubeadm and kubelet v1.11+
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
# This is a file that "kubeadm init" and "kubeadm join" generates at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# This is a file that the user can use for overrides of the kubelet args as a last resort. Preferably, the user should use
# the .NodeRegistration.KubeletExtraArgs object in the configuration files instead. KUBELET_EXTRA_ARGS should be sourced from this file.
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
UNIT
install -d "$r/DEBIAN"; systemd_scripts kubeadm kubelet.service
deb kubeadm "$V" "" "Command-line utility for administering a Kubernetes cluster"

# kubectl, kubernetes-cni, cri-tools
install -D -m 755 "$KUBECTL" "$work/kubectl/usr/bin/kubectl"
deb kubectl "$V" "" "Command-line utility for interacting with a Kubernetes cluster"
install -d "$work/kubernetes-cni/opt/cni/bin"; install -m 755 "$CNI"/* "$work/kubernetes-cni/opt/cni/bin/"
deb kubernetes-cni "$CNI_V-1.1" "" "Binaries required to provision kubernetes container networking"
install -D -m 755 "$CRICTL" "$work/cri-tools/usr/bin/crictl"
deb cri-tools "$CRI_V-1.1" "" "Command-line utility for interacting with a container runtime"

# helm (not a pkgs.k8s.io package: what the real-client checks install with apt on the first master)
install -D -m 755 "$HELM" "$work/helm/usr/bin/helm"
DEB_HOMEPAGE=https://helm.sh deb helm "$HELM_V-0hakube1" "" "The Kubernetes package manager (Helm $HELM_V, the real one)"

# etcd-server, etcd-client: Debian's package names and file paths (what hakube's etcd.package/etcd.binary
# default to), the real etcd 3.6; binaries only: no unit, no /etc/default/etcd, no maintainer scripts.
install -D -m 755 "$ETCD/etcd" "$work/etcd-server/usr/bin/etcd"; install -m 755 "$ETCD/etcdutl" "$work/etcd-server/usr/bin/etcdutl"
DEB_HOMEPAGE=https://etcd.io DEB_SUGGESTS=etcd-client deb etcd-server "$ETCD_V-0hakube1" "" "highly-available key value store -- daemon (etcd, etcdutl)"
install -D -m 755 "$ETCD/etcdctl" "$work/etcd-client/usr/bin/etcdctl"
DEB_HOMEPAGE=https://etcd.io deb etcd-client "$ETCD_V-0hakube1" "" "highly-available key value store -- client (etcdctl)"

rm -rf "$apt_dir" && install -d "$apt_dir"
cp "$work"/out/*.deb "$apt_dir/"
gpg --batch --list-secret-keys hakube-lab >/dev/null 2>&1 || { echo "apt-repo.sh: no hakube-lab key in $GNUPGHOME (lab/standins/build-repo.sh makes it)" >&2; exit 1; }
publish_apt_repo "$apt_dir" "hakube lab real Kubernetes (built from the upstream Go modules)" "$(LC_ALL=C date -u -d @$SOURCE_DATE_EPOCH '+%a, %d %b %Y %H:%M:%S UTC')"
echo "$key" >"$apt_dir/.key"

# containerd's release tarball (as upstream lays it out), runc, upstream's unit.
rd=$mirror/real
install -d "$rd"
tgz=$rd/containerd-$CTRD_V-linux-amd64.tar.gz
stage=$work/containerd; install -d "$stage/bin"; install -m 755 "$CTRD"/containerd "$CTRD"/containerd-shim-runc-v2 "$CTRD"/ctr "$stage/bin/"
tar -C "$stage" --sort=name --mtime=@$SOURCE_DATE_EPOCH --owner=0 --group=0 --numeric-owner -c bin | gzip -n >"$work/c.tgz"
cmp -s "$work/c.tgz" "$tgz" || install -m 644 "$work/c.tgz" "$tgz"
cmp -s "$RUNC" "$rd/runc.amd64" || install -m 644 "$RUNC" "$rd/runc.amd64"
unit=$(one "$(go env GOMODCACHE)/github.com/containerd/containerd/v2@v$CTRD_V/containerd.service")
install -m 644 "$unit" "$rd/containerd.service"
(cd "$rd" && sha256sum "containerd-$CTRD_V-linux-amd64.tar.gz" runc.amd64 containerd.service >SHA256SUMS)
flannel_manifests
