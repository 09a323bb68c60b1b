#!/usr/bin/env bash
# Builds the lab's apt repository of Kubernetes STAND-INS (kubeadm, kubelet, kubectl and the shared
# kube-standin-common with the API server stand-in) as a signed flat repository, the way pkgs.k8s.io is
# laid out (Suites: /), plus the stand-in add-on manifests. Usage: build-repo.sh MIRROR_DIR GNUPG_HOME
# Output: MIRROR/apt/{*.deb,Packages,Packages.gz,Release,InRelease,key.asc}, MIRROR/manifests/*.yaml
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mirror=$1
export GNUPGHOME=$2
version=1.37.1-labstandin
apt_dir=$mirror/apt
work=$(mktemp -d /var/tmp/hakube-standin-repo.XXXXXX)
trap 'rm -rf "$work"' EXIT

package() { # name depends description; files staged by the caller under $work/$name
  local name=$1 depends=$2 description=$3 root=$work/$1
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
  dpkg-deb --root-owner-group -Zgzip --build "$root" "$work/out/${name}_${version}_all.deb" >/dev/null
}
wrapper() { # package binary module
  install -d "$work/$1/usr/bin"
  printf '#!/bin/sh\n# LAB STAND-IN (hakube lab): not the real %s\nexec /usr/bin/python3 /usr/lib/kube-standin/%s.py "$@"\n' "$2" "$3" >"$work/$1/usr/bin/$2"
  chmod 755 "$work/$1/usr/bin/$2"
}

install -d "$work/out" "$work/kube-standin-common/usr/lib/kube-standin" "$work/kube-standin-common/lib/systemd/system"
install -m 644 "$here"/lib/*.py "$work/kube-standin-common/usr/lib/kube-standin/"
install -m 644 "$here/units/kube-apiserver-standin.service" "$work/kube-standin-common/lib/systemd/system/"
package kube-standin-common "python3, python3-yaml, openssl" "the shared code and the kube-apiserver unit"
wrapper kubeadm kubeadm kubeadm
install -D -m 644 "$here/units/10-kubeadm.conf" "$work/kubeadm/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"
package kubeadm "kube-standin-common (= $version), kubelet" "kubeadm"
wrapper kubelet kubelet kubelet
install -D -m 644 "$here/units/kubelet.service" "$work/kubelet/lib/systemd/system/kubelet.service"
package kubelet "kube-standin-common (= $version)" "the kubelet"
wrapper kubectl kubectl kubectl
package kubectl "kube-standin-common (= $version)" "kubectl"

rm -rf "$apt_dir" && install -d "$apt_dir"
cp "$work"/out/*.deb "$apt_dir/"
(
  cd "$apt_dir"
  for deb in *.deb; do
    dpkg-deb -f "$deb"
    echo "Filename: ./$deb"
    echo "Size: $(stat -c %s "$deb")"
    echo "SHA256: $(sha256sum "$deb" | cut -d' ' -f1)"
    echo
  done >Packages
  gzip -9nk Packages
  {
    echo "Origin: hakube-lab"
    echo "Label: hakube lab Kubernetes stand-ins (not Kubernetes)"
    echo "Date: $(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S UTC')"
    echo "SHA256:"
    for f in Packages Packages.gz; do echo " $(sha256sum "$f" | cut -d' ' -f1) $(stat -c %s "$f") $f"; done
  } >Release
)
install -d -m 700 "$GNUPGHOME"
if ! gpg --batch --list-secret-keys hakube-lab >/dev/null 2>&1; then
  gpg --batch --passphrase '' --quick-gen-key 'hakube-lab stand-in repository <lab@hakube.invalid>' ed25519 sign never 2>/dev/null
fi
gpg --batch --yes --armor --export hakube-lab >"$apt_dir/key.asc"
gpg --batch --yes --local-user hakube-lab --clearsign -o "$apt_dir/InRelease" "$apt_dir/Release"
gpg --batch --yes --local-user hakube-lab -abs -o "$apt_dir/Release.gpg" "$apt_dir/Release"

rm -rf "$mirror/manifests" && install -d "$mirror/manifests"
install -m 644 "$here"/manifests/*.yaml "$mirror/manifests/"
