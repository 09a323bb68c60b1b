#!/usr/bin/env bash
# Builds the lab host image's root file system as a tarball: Debian bookworm (minbase) with systemd,
# sshd and the tools hakube's steps use, the machine's own apt sources (the hosts reach the same
# mirror through docker's NAT), no host keys, no machine-id, units that fail in a container masked.
# Usage: build-rootfs.sh OUT.tar
set -euo pipefail
out=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d /var/tmp/hakube-lab-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT

packages=systemd,systemd-sysv,dbus,openssh-server,iproute2,sudo,ca-certificates,curl,procps,python3,netbase,gpg,kmod,iptables,util-linux,less,iputils-ping
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
debootstrap --variant=minbase --include="$packages" bookworm "$root" "$mirror" >/dev/null

rm -f "$root/etc/apt/sources.list"
cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
cp /etc/apt/sources.list "$root/etc/apt/" 2>/dev/null || true
for f in /etc/apt/apt.conf.d/*; do case "$(basename "$f")" in docker-*) ;; *) cp "$f" "$root/etc/apt/apt.conf.d/";; esac; done

: > "$root/etc/machine-id"
rm -f "$root"/etc/ssh/ssh_host_*
install -d -m 700 "$root/root/.ssh"
printf 'PasswordAuthentication no\nPermitRootLogin prohibit-password\nUseDNS no\n' > "$root/etc/ssh/sshd_config.d/hakube-lab.conf"

install -m 644 "$here"/units/*.service "$root/etc/systemd/system/"
systemctl --root="$root" enable hakube-lab-etc.service hakube-lab-hostkeys.service hakube-lab-cgroups.service ssh.service >/dev/null 2>&1
systemctl --root="$root" mask \
  getty@tty1.service console-getty.service serial-getty@.service systemd-udevd.service systemd-udev-trigger.service \
  systemd-remount-fs.service sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount \
  systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
  systemd-firstboot.service systemd-modules-load.service >/dev/null 2>&1

tar -C "$root" --numeric-owner -cf "$out.partial" .
mv -f "$out.partial" "$out"
