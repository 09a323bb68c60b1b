#!/usr/bin/env bash
# The hakube lab: six real Debian hosts (systemd as PID 1, sshd) as containers on a private bridge
# of this machine, and a package/manifest mirror on the bridge address. Test and demo infrastructure,
# not part of the product: hakube reaches it only through lab/cluster.yaml, an ordinary inventory.
#
#   npm run lab -- up [--fresh] [--masters M] [--workers N] [--kubernetes standin|real] | down | status | ssh HOST [COMMAND...]
# `up` on a running lab adds the missing hosts and removes the extra ones (defaults: 3 masters,
# 3 workers), leaving the others as they are, and rewrites lab/cluster.yaml for the new set.
# --kubernetes: the Kubernetes the mirror serves: `standin` (default: the Python stand-ins of
# lab/standins) or `real` (the real binaries built from the upstream Go modules, lab/real/, with an
# OCI registry on the bridge); remembered in lab/.state/kubernetes, a change recreates the hosts.
set -euo pipefail
LAB=$(cd "$(dirname "$0")" && pwd)
STATE=$LAB/.state
CACHE=${HAKUBE_LAB_CACHE:-$HOME/.cache/hakube-lab}
NETWORK=hakube-lab
SUBNET=10.213.71.0/24
GATEWAY=10.213.71.1
MIRROR_PORT=8088
REGISTRY_PORT=5000
IMAGE_REPO=hakube-lab-host
# name:address of every lab host; masters on .11-.19, workers from .21 (see hosts_for).
HOSTS=()
hosts_for() { # MASTERS WORKERS
  local i
  HOSTS=()
  for ((i = 1; i <= $1; i++)); do HOSTS+=("$(printf 'master%02d' "$i"):10.213.71.$((10 + i))"); done
  for ((i = 1; i <= $2; i++)); do HOSTS+=("$(printf 'worknode%02d' "$i"):10.213.71.$((20 + i))"); done
}
# The hosts the current inventory lists (status, ssh), else the default six.
hosts_of_inventory() {
  HOSTS=()
  if [ -f "$LAB/cluster.yaml" ]; then
    mapfile -t HOSTS < <(sed -nE 's/^  - \{ name: ([a-z0-9-]+), address: ([0-9.]+),.*/\1:\2/p' "$LAB/cluster.yaml")
  fi
  [ ${#HOSTS[@]} -gt 0 ] || hosts_for 3 3
}
# The Kubernetes lane (standin | real): the asked-for one, else the running one, else standin.
LANE=standin
lane_of_state() { [ -f "$STATE/kubernetes" ] && cat "$STATE/kubernetes" || echo standin; }
# The lane a host container was created for (the real lane labels its hosts).
lane_of_host() { local l; l=$(docker inspect -f '{{index .Config.Labels "hakube-lab-lane"}}' "$1" 2>/dev/null || true); echo "${l:-standin}"; }
T_UP=$SECONDS
# Every lab host container, whatever the inventory says.
lab_containers() { docker ps -a --filter label=hakube-lab=1 --format '{{.Names}}'; }

say() { printf 'lab: %s\n' "$*" >&2; }
# Removes a host container with its volumes. A real-lane host runs pods: their runc may have left a pod's
# cgroup FROZEN (seen after the real-lane test: `docker rm -f` then fails with "did not receive an exit
# event", the host's init waiting in zap_pid_ns_processes for a frozen runc:[2:INIT]). So: Kubernetes
# stopped inside first (bounded), every frozen cgroup under the container thawed, then removed.
remove_host() { # NAME
  local id d
  id=$(docker inspect -f '{{.Id}}' "$1" 2>/dev/null) || return 0
  if [ "$(lane_of_host "$1")" = real ]; then
    timeout 60 docker exec "$1" sh -c 'systemctl stop kubelet; systemctl stop containerd; pkill -9 -f containerd-shim; true' >/dev/null 2>&1 || true
  fi
  for d in /sys/fs/cgroup/freezer/docker/"$id" /sys/fs/cgroup/freezer/system.slice/docker-"$id".scope; do
    [ -d "$d" ] || continue
    find "$d" -name freezer.state 2>/dev/null | while read -r f; do
      if grep -qx FROZEN "$f" 2>/dev/null; then echo THAWED >"$f" 2>/dev/null || true; fi
    done || true
  done
  docker rm -fv "$1" >/dev/null
}
# Progress of the real lane's long steps, with the seconds since `up` started.
step() { printf 'lab: [%4ss] %s\n' "$((SECONDS - T_UP))" "$*" >&2; }
name_of() { echo "${1%%:*}"; }
ip_of() { echo "${1##*:}"; }
ip_for() { local h; for h in "${HOSTS[@]}"; do [ "$(name_of "$h")" = "$1" ] && { ip_of "$h"; return; }; done; return 1; }

recipe_hash() { cat "$LAB/image/build-rootfs.sh" "$LAB"/image/units/* | sha256sum | cut -c1-12; }

ensure_tools() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v ssh-keyscan >/dev/null || missing+=(openssh-client)
  command -v gpg >/dev/null || missing+=(gpg)  # signs the stand-in apt repository
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_dockerd() {
  docker info >/dev/null 2>&1 && return
  mkdir -p "$STATE"
  say "starting dockerd (log: $STATE/dockerd.log)"
  dockerd >"$STATE/dockerd.log" 2>&1 &
  echo $! >"$STATE/dockerd.pid"
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && return; sleep 0.5; done
  say "dockerd did not start: see $STATE/dockerd.log"; exit 1
}

ensure_image() {
  local tag; tag=$(recipe_hash)
  IMAGE=$IMAGE_REPO:$tag
  docker image inspect "$IMAGE" >/dev/null 2>&1 && return
  mkdir -p "$CACHE"
  local tarball=$CACHE/rootfs-$tag.tar
  if [ ! -f "$tarball" ]; then
    say "building the host image from Debian (debootstrap, about a minute; cached in $tarball)"
    "$LAB/image/build-rootfs.sh" "$tarball"
  fi
  say "importing $IMAGE"
  docker import -c 'CMD ["/sbin/init"]' -c 'ENV container=docker' "$tarball" "$IMAGE" >/dev/null
}

# etcd's image for the docker-compose variant, as an air-gapped site would serve it: a `docker save`
# archive in the mirror, reached through etcd.imageArchiveUrl/imageArchiveSha256 in the inventory. No
# registry is reachable, so it is a lab stand-in: Debian's etcd 3.4 (etcd-server, etcd-client) in a
# minimal image. Built once, cached in $CACHE (keyed by this recipe).
ETCD_IMAGE=lab-standin.invalid/etcd:3.4-debian
build_etcd_image() { # OUT.tar
  local out=$1 work lib
  work=$(mktemp -d /var/tmp/hakube-lab-etcd.XXXXXX)
  if ! (cd "$work" && apt-get download etcd-server etcd-client >/dev/null 2>"$work/apt.err"); then
    apt-get update -qq && (cd "$work" && apt-get download etcd-server etcd-client >/dev/null 2>"$work/apt.err") ||
      { cat "$work/apt.err" >&2; rm -rf "$work"; exit 1; }
  fi
  for lib in "$work"/*.deb; do dpkg-deb -x "$lib" "$work/x"; done
  mkdir -p "$work/root/usr/local/bin" "$work/root/tmp"; chmod 1777 "$work/root/tmp"
  cp "$work/x/usr/bin/etcd" "$work/x/usr/bin/etcdctl" "$work/root/usr/local/bin/"
  # Debian links them dynamically (libc): the libraries ldd names (this machine's Debian libc6) come along.
  for lib in $(ldd "$work/x/usr/bin/etcd" "$work/x/usr/bin/etcdctl" | awk '/^\t/ { for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' | sort -u); do
    cp -L --parents "$lib" "$work/root/"
  done
  tar -C "$work/root" --numeric-owner -c . |
    docker import -c 'ENV PATH=/usr/local/bin' -c 'CMD ["/usr/local/bin/etcd"]' - "$ETCD_IMAGE" >/dev/null
  docker save -o "$out.partial" "$ETCD_IMAGE"
  mv -f "$out.partial" "$out"
  rm -rf "$work"
}
ensure_etcd_image_archive() {
  local tag cached served=$LAB/mirror/images/etcd.tar
  tag=$(declare -f build_etcd_image | sha256sum | cut -c1-12)
  cached=$CACHE/etcd-image-$tag.tar
  if [ ! -f "$cached" ]; then
    say "building the etcd stand-in image $ETCD_IMAGE from Debian's etcd (cached in $cached)"
    mkdir -p "$CACHE"; build_etcd_image "$cached"
  fi
  mkdir -p "$LAB/mirror/images"
  cmp -s "$cached" "$served" || { cp -f "$cached" "$served"; chmod 644 "$served"; }
  ETCD_IMAGE_FIELDS="image: $ETCD_IMAGE, imageArchiveUrl: http://$GATEWAY:$MIRROR_PORT/images/etcd.tar, imageArchiveSha256: $(sha256sum "$served" | cut -d' ' -f1)"
}

ensure_network() {
  docker network inspect "$NETWORK" >/dev/null 2>&1 ||
    docker network create --driver bridge --subnet "$SUBNET" --gateway "$GATEWAY" -o com.docker.network.bridge.name=hakube-lab0 "$NETWORK" >/dev/null
}

ensure_key() {
  mkdir -p "$STATE"; chmod 700 "$STATE"
  [ -f "$STATE/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C hakube-lab -f "$STATE/id_ed25519"
  cp "$STATE/id_ed25519.pub" "$STATE/authorized_keys"; chmod 600 "$STATE/authorized_keys"
}

start_host() {
  local name=$1 ip=$2 add_hosts=() h
  if docker container inspect "$name" >/dev/null 2>&1; then
    if [ "$(docker inspect -f '{{.Config.Image}}' "$name")" != "$IMAGE" ] || [ "$(lane_of_host "$name")" != "$LANE" ]; then remove_host "$name"
    # Kept hosts get this checkout's key too (another checkout's lab may have created them).
    else docker cp "$STATE/authorized_keys" "$name:/root/.ssh/authorized_keys"
      [ "$LANE" != real ] || docker cp "$REAL_UNITS/." "$name:/"   # the real lane's files, current (resolv.conf)
      docker start "$name" >/dev/null; return; fi
  fi
  for h in "${HOSTS[@]}"; do add_hosts+=(--add-host "$(name_of "$h"):$(ip_of "$h")"); done
  docker create --name "$name" --hostname "$name" --network "$NETWORK" --ip "$ip" "${add_hosts[@]}" \
    --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --cgroupns=private --tmpfs /run --tmpfs /run/lock --tmpfs /tmp --stop-signal SIGRTMIN+3 --restart unless-stopped \
    "${REAL_HOST_ARGS[@]}" --label hakube-lab=1 "$IMAGE" >/dev/null
  docker cp "$STATE/authorized_keys" "$name:/root/.ssh/authorized_keys"
  [ "$LANE" != real ] || docker cp "$REAL_UNITS/." "$name:/"
  docker start "$name" >/dev/null
}

wait_ssh_and_record_keys() {
  local h ip name
  : >"$STATE/known_hosts.new"
  for h in "${HOSTS[@]}"; do
    name=$(name_of "$h"); ip=$(ip_of "$h")
    for _ in $(seq 1 120); do
      docker exec "$name" systemctl is-system-running --wait >/dev/null 2>&1 || true
      ssh-keyscan -T 2 -t ed25519 "$ip" 2>/dev/null | grep -v '^#' >>"$STATE/known_hosts.new" && break
      sleep 0.5
    done
    grep -q "^$ip " "$STATE/known_hosts.new" || { say "$name ($ip): sshd did not answer"; exit 1; }
  done
  mv -f "$STATE/known_hosts.new" "$STATE/known_hosts"
}

ensure_mirror() {
  mkdir -p "$LAB/mirror"
  # The Kubernetes stand-ins as a signed apt repository + the add-on manifests, rebuilt each time (~1 s).
  bash "$LAB/standins/build-repo.sh" "$LAB/mirror" "$STATE/gnupg"
  if [ -f "$STATE/mirror.pid" ] && kill -0 "$(cat "$STATE/mirror.pid")" 2>/dev/null; then return; fi
  python3 -m http.server "$MIRROR_PORT" --bind "$GATEWAY" --directory "$LAB/mirror" >"$STATE/mirror.log" 2>&1 &
  echo $! >"$STATE/mirror.pid"
}

# --- the real lane -------------------------------------------------------------------------------
# The real binaries (lab/real/build.sh, lab/real/extras.sh: cached, seconds when built), their apt
# repository, containerd tarball and runc in the mirror (lab/real/apt-repo.sh), the OCI registry on the
# bridge and the images in it (lab/real/images.sh).
REAL_CACHE=$CACHE/real
REAL_K8S_VERSION=1.37.2
# containerd from the release tarball (+ runc) built here; `debian` (Debian's 1.6) until this checkout's
# inventory schema has packages.runcUrl (HAKUBE_LAB_REAL_CONTAINERD=tarball|debian overrides).
REAL_CONTAINERD=${HAKUBE_LAB_REAL_CONTAINERD:-$(grep -q 'runcSha256' "$LAB/../src/inventory/schema.ts" 2>/dev/null && echo tarball || echo debian)}
REAL_TARBALL=
REAL_HOST_ARGS=()
# Files copied into each real-lane host at create time (docker cp of this tree onto /).
REAL_UNITS=$STATE/real-units
# The resolv.conf the kubelet gives pods (kubelet.resolvConf): the hosts' own /etc/resolv.conf is docker's
# embedded DNS, 127.0.0.11, which CoreDNS (forward . /etc/resolv.conf) would reach as itself and stop on
# as a forwarding loop; so the pods get this machine's first non-loopback nameserver instead.
REAL_RESOLV_CONF=/etc/hakube-lab/resolv.conf
machine_nameserver() {
  local f
  for f in /etc/resolv.conf /run/systemd/resolve/resolv.conf; do
    [ -r "$f" ] || continue
    awk '$1 == "nameserver" && $2 !~ /^127\./ && $2 != "::1" { print $2; found = 1; exit } END { exit !found }' "$f" && return 0
  done
  return 1
}
real_host_setup() {
  # Per host (docker create): what a real kubelet + containerd need of a container (lab/real/README.md).
  REAL_HOST_ARGS=(--label hakube-lab-lane=real --device /dev/kmsg --volume /var/lib/containerd
    --volume /lib/modules:/lib/modules:ro --device-cgroup-rule 'a *:* rwm' --sysctl net.ipv4.ip_forward=1)
  # / made rshared at boot, by a unit copied in at create time (the stand-in lane's image stays as it is).
  rm -rf "$REAL_UNITS"; install -d "$REAL_UNITS/etc/systemd/system/sysinit.target.wants"
  install -m 644 "$LAB/real/units/hakube-lab-rshared.service" "$REAL_UNITS/etc/systemd/system/"
  ln -s ../hakube-lab-rshared.service "$REAL_UNITS/etc/systemd/system/sysinit.target.wants/hakube-lab-rshared.service"
  local ns
  ns=$(machine_nameserver) || { say "no non-loopback nameserver in this machine's /etc/resolv.conf (nor /run/systemd/resolve/resolv.conf) for $REAL_RESOLV_CONF"; exit 1; }
  install -d "$REAL_UNITS$(dirname "$REAL_RESOLV_CONF")"
  printf '# Written by lab/lab.sh (real lane): kubelet.resolvConf, the resolv.conf pods with dnsPolicy Default and\n# CoreDNS get: this machine'"'"'s nameserver, not docker'"'"'s 127.0.0.11 (a loop through CoreDNS itself).\nnameserver %s\n' "$ns" \
    >"$REAL_UNITS$REAL_RESOLV_CONF"
}
# On this machine: the kernel settings a real kubelet would try to write on the hosts' read-only
# /proc/sys (it skips those already right), and the modules kube-proxy/flannel/containerd use.
real_machine_setup() {
  say "real Kubernetes lane: setting this machine's kernel tunables the kubelet needs (vm.overcommit_memory=1 vm.panic_on_oom=0 kernel.panic=10 kernel.panic_on_oops=1 kernel.keys.root_maxkeys=1000000 kernel.keys.root_maxbytes=25000000) and loading br_netfilter overlay vxlan"
  sysctl -qw vm.overcommit_memory=1 vm.panic_on_oom=0 kernel.panic=10 kernel.panic_on_oops=1 \
    kernel.keys.root_maxkeys=1000000 kernel.keys.root_maxbytes=25000000 || say "sysctl: some of these could not be set"
  local m; for m in br_netfilter overlay vxlan; do timeout 20 modprobe "$m" 2>/dev/null || true; done
}
ensure_registry() {
  local dir=$REAL_CACHE/registry-data bin
  bin=$(ls "$REAL_CACHE"/registry-v*/bin/registry 2>/dev/null | tail -1)
  [ -n "$bin" ] || { say "no registry binary under $REAL_CACHE (lab/real/build.sh registry)"; exit 1; }
  mkdir -p "$dir"
  cat >"$STATE/registry.yml" <<CONFIG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir
  delete:
    enabled: true
http:
  addr: $GATEWAY:$REGISTRY_PORT
CONFIG
  if [ -f "$STATE/registry.pid" ] && kill -0 "$(cat "$STATE/registry.pid")" 2>/dev/null; then return; fi
  "$bin" serve "$STATE/registry.yml" >"$STATE/registry.log" 2>&1 &
  echo $! >"$STATE/registry.pid"
  for _ in $(seq 1 40); do curl -fsS "http://$GATEWAY:$REGISTRY_PORT/v2/" >/dev/null 2>&1 && return; sleep 0.25; done
  say "the registry did not answer on $GATEWAY:$REGISTRY_PORT: see $STATE/registry.log"; exit 1
}
# The real binaries, built once per version (cached): under a lock, so that a build already running (npm
# test starts one early, beside the tests before the real lane's) is waited for instead of run twice.
build_real() { # LOG
  command -v go >/dev/null || export PATH=/usr/local/go/bin:$PATH
  # What lab/real/build.sh compiles with besides Go: gcc and libc for pause, runc and flanneld (cgo),
  # libseccomp and pkg-config for runc's seccomp (a fresh machine has none of them).
  local missing=() p
  for p in gcc libc6-dev libseccomp-dev pkg-config; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  mkdir -p "$REAL_CACHE"
  exec 8>"$REAL_CACHE/.build.lock"
  flock 8
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} (for lab/real/build.sh)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  step "real binaries (lab/real/build.sh, cached; log: $1)"
  bash "$LAB/real/build.sh" >"$1" 2>&1 || { tail -30 "$1" >&2; say "lab/real/build.sh failed"; exit 1; }
  step "kubectl, agnhost, flannel CNI plugin (lab/real/extras.sh, cached)"
  bash "$LAB/real/extras.sh" >>"$1" 2>&1 || { tail -30 "$1" >&2; say "lab/real/extras.sh failed"; exit 1; }
  flock -u 8
  exec 8>&-
}

ensure_real() {
  build_real "$STATE/real-build.log"
  step "apt repository $LAB/mirror/apt-real/ and containerd/runc in $LAB/mirror/real/ (lab/real/apt-repo.sh)"
  bash "$LAB/real/apt-repo.sh" "$LAB/mirror" "$STATE/gnupg"
  step "OCI registry on $GATEWAY:$REGISTRY_PORT (storage $REAL_CACHE/registry-data)"
  ensure_registry
  step "images (lab/real/images.sh)"
  bash "$LAB/real/images.sh" "$GATEWAY:$REGISTRY_PORT" 2>&1 | sed 's/^/lab:   /' >&2
  [ "${PIPESTATUS[0]}" = 0 ] || { say "lab/real/images.sh failed"; exit 1; }
  REAL_TARBALL=$(ls "$LAB"/mirror/real/containerd-*-linux-amd64.tar.gz | tail -1)
  [ -f "$LAB/mirror/manifests/kube-flannel-lab.yml" ] || { say "no $LAB/mirror/manifests/kube-flannel-lab.yml (lab/real/apt-repo.sh writes it from the flannel module lab/real/build.sh downloads)"; exit 1; }
  step "real lane ready"
}

# Pins for what the mirror serves, computed from the served files: the inventory carries them as any
# mirror's inventory must (hakube checks each download on the host against them). The apt key is the
# lab's own, generated on the first build, so its fingerprint is read from the served key.asc.
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
# etcd version lab/real/etcd/go.mod pins (its apt-real packages are <version>-0hakube1).
real_etcd_version() { awk '$1 == "go.etcd.io/etcd/server/v3" { sub(/^v/, "", $2); print $2; exit }' "$LAB/real/etcd/go.mod"; }
primary_fingerprint() {
  GNUPGHOME=$STATE/gnupg gpg --batch --show-keys --with-colons "$1" 2>/dev/null | awk -F: '$1 == "pub" { pub = 1; next } pub && $1 == "fpr" { print $10; exit }'
}

write_inventory() {
  local h mirror=$LAB/mirror url=http://$GATEWAY:$MIRROR_PORT fingerprint
  fingerprint=$(primary_fingerprint "$mirror/apt/key.asc")
  [ -n "$fingerprint" ] || { say "no OpenPGP key in $mirror/apt/key.asc"; exit 1; }
  {
    echo "# Written by \`npm run lab -- up\`: an ordinary hakube inventory for the ${#HOSTS[@]} lab hosts."
    echo "# yaml-language-server: \$schema=../schema/cluster.schema.json"
    echo "name: lab"
    echo "ssh: { user: root, keyPath: .state/id_ed25519 }"
    echo "knownHostsFile: .state/known_hosts"
    echo "network: { podSubnet: 192.168.0.0/16, serviceSubnet: 10.96.0.0/12, interface: eth0, hostSubnets: [$SUBNET] }"
    echo "hosts:"
    for h in "${HOSTS[@]}"; do
      case "$h" in master*) role=master;; *) role=worker;; esac
      echo "  - { name: $(name_of "$h"), address: $(ip_of "$h"), role: $role }"
    done
    if [ "$LANE" = real ]; then
      # etcd.package etcd-server (the default): apt-real's etcd-server/etcd-client <v>-0hakube1 are the highest version
      # apt sees (Debian 12 has 3.4.23, which kubeadm 1.37 refuses), so the masters get them without a pin.
      echo "etcd: { mode: systemd, $ETCD_IMAGE_FIELDS }   # etcd-server $(real_etcd_version)-0hakube1 from apt-real, the highest version apt sees"
    else
      echo "etcd: { mode: systemd, $ETCD_IMAGE_FIELDS }"
    fi
    echo "packages:"
    if [ "$LANE" = real ]; then
      if [ "$REAL_CONTAINERD" = tarball ]; then echo "  containerd: tarball   # the release tarball and runc built from the upstream Go modules"
      else echo "  containerd: debian   # Debian's 1.6 (HAKUBE_LAB_REAL_CONTAINERD=debian; tarball when the schema has runcUrl)"; fi
      if [ "$REAL_CONTAINERD" = tarball ]; then
        echo "  containerdTarballUrl: $url/real/$(basename "$REAL_TARBALL")"
        echo "  containerdTarballSha256: $(sha256_of "$REAL_TARBALL")"
        echo "  runcUrl: $url/real/runc.amd64"
        echo "  runcSha256: $(sha256_of "$mirror/real/runc.amd64")"
      fi
      echo "  kubernetesRepo: $url/apt-real/"
      echo "  kubernetesRepoKey: $url/apt-real/key.asc"
      echo "  kubernetesRepoKeyFingerprint: $fingerprint   # the lab's own repository key"
      echo "kubernetesVersion: $REAL_K8S_VERSION   # the real one, built from the upstream Go modules (lab/real)"
      echo "kubelet: { failCgroupV1: false, resolvConf: $REAL_RESOLV_CONF }   # hybrid cgroups (the hosts are containers); a non-loopback nameserver for CoreDNS"
      echo "kubeProxy: { conntrackMaxPerCore: 0 }   # /proc/sys is read-only in the hosts"
      echo "containerd: { registryMirror: http://$GATEWAY:$REGISTRY_PORT, restrictOomScoreAdj: true, privilegedWithoutHostDevices: true }"
    else
      echo "  containerd: debian            # the lab reaches Debian's mirror only"
      echo "  kubernetesRepo: $url/apt/"
      echo "  kubernetesRepoKey: $url/apt/key.asc"
      echo "  kubernetesRepoKeyFingerprint: $fingerprint   # the lab's own repository key"
      # Debian 12's etcd-server is 3.4.23; kubeadm 1.36+ (and its stand-in) refuses an external etcd below
      # 3.5.24. The stand-in lane keeps Debian's etcd knowingly (the real lane serves etcd 3.6 instead).
      echo "kubeadm: { ignorePreflightErrors: [ExternalEtcdVersion] }   # Debian 12's etcd 3.4.23 is below kubeadm's 3.5.24"
    fi
    echo "cni:"
    if [ "$LANE" = real ]; then
      # Calico cannot be built here (lab/real/README.md); flannel's manifest with cniVersion 0.3.1 for the CNI
      # plugin the lab builds (lab/real/apt-repo.sh writes kube-flannel-lab.yml and says why).
      echo "  plugin: flannel"
      echo "  manifestUrl: $url/manifests/kube-flannel-lab.yml   # upstream kube-flannel.yml, cniVersion 0.3.1"
      echo "  manifestSha256: $(sha256_of "$mirror/manifests/kube-flannel-lab.yml")"
    else
      echo "  manifestUrl: $url/manifests/calico.yaml"
      echo "  manifestSha256: $(sha256_of "$mirror/manifests/calico.yaml")"
    fi
    echo "ingress:"
    echo "  controller: ingress-nginx"
    echo "  manifestUrl: $url/manifests/ingress-nginx.yaml"
    echo "  manifestSha256: $(sha256_of "$mirror/manifests/ingress-nginx.yaml")"
    echo "dashboard:"
    echo "  kind: kubernetes-dashboard"
    echo "  manifestUrl: $url/manifests/dashboard.yaml"
    echo "  manifestSha256: $(sha256_of "$mirror/manifests/dashboard.yaml")"
    echo "  nodePort: 30443"
  } >"$LAB/cluster.yaml"
}

cmd_up() {
  local started=$SECONDS h name fresh='' masters=3 workers=3 lane=''
  while [ $# -gt 0 ]; do
    case "$1" in
      --fresh) fresh=1 ;;
      --kubernetes) lane=${2:-}; shift ;;
      --kubernetes=*) lane=${1#*=} ;;
      --masters) masters=${2:-}; shift ;;
      --workers) workers=${2:-}; shift ;;
      *) say "unknown option $1"; exit 2 ;;
    esac
    shift
  done
  [[ "$masters" =~ ^[1-9]$ ]] || { say "--masters: 1 to 9 (addresses .11-.19)"; exit 2; }
  [[ "$workers" =~ ^[0-9]+$ ]] && [ "$workers" -le 60 ] || { say "--workers: 0 to 60"; exit 2; }
  case "${lane:-$(lane_of_state)}" in standin|real) LANE=${lane:-$(lane_of_state)} ;; *) say "--kubernetes: standin or real"; exit 2 ;; esac
  hosts_for "$masters" "$workers"
  # Each systemd host takes several inotify instances: past ~20 hosts the default 128 makes the later
  # ones crash-loop at boot (see the lab notes), so a big lab raises the limit, and says so.
  if [ ${#HOSTS[@]} -gt 20 ] && [ "$(sysctl -n fs.inotify.max_user_instances)" -lt 1024 ]; then
    say "raising fs.inotify.max_user_instances to 1024 for ${#HOSTS[@]} hosts (was $(sysctl -n fs.inotify.max_user_instances))"
    sysctl -qw fs.inotify.max_user_instances=1024
  fi
  ensure_tools; ensure_dockerd; ensure_image; ensure_network; ensure_key; ensure_mirror
  ensure_etcd_image_archive
  if [ "$LANE" = real ]; then
    say "Kubernetes lane: real (lab/real/; \`--kubernetes standin\` goes back to the stand-ins)"
    ensure_real; real_host_setup; real_machine_setup
  fi
  echo "$LANE" >"$STATE/kubernetes"
  if [ -n "$fresh" ]; then # blank hosts again (an installed cluster is thrown away)
    for name in $(lab_containers); do remove_host "$name" || true; done
  fi
  # Hosts beyond the asked-for set go; the others are kept as they are.
  for name in $(lab_containers); do
    printf '%s\n' "${HOSTS[@]}" | grep -q "^$name:" || { say "removing $name"; remove_host "$name"; }
  done
  for h in "${HOSTS[@]}"; do start_host "$(name_of "$h")" "$(ip_of "$h")"; done
  wait_ssh_and_record_keys
  write_inventory
  if [ "$LANE" = real ]; then
    say "${#HOSTS[@]} hosts ($masters masters, $workers workers), real Kubernetes $REAL_K8S_VERSION, up in $((SECONDS - started)) s: $LAB/cluster.yaml, mirror http://$GATEWAY:$MIRROR_PORT/, registry http://$GATEWAY:$REGISTRY_PORT/"
  else
    say "${#HOSTS[@]} hosts ($masters masters, $workers workers) up in $((SECONDS - started)) s: $LAB/cluster.yaml, mirror http://$GATEWAY:$MIRROR_PORT/"
  fi
}

cmd_down() {
  local name
  if docker info >/dev/null 2>&1; then
    for name in $(lab_containers); do remove_host "$name" || true; done
    docker network rm "$NETWORK" >/dev/null 2>&1 || true
  fi
  for p in mirror registry dockerd; do
    if [ -f "$STATE/$p.pid" ]; then
      kill "$(cat "$STATE/$p.pid")" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$(cat "$STATE/$p.pid")" 2>/dev/null || break; sleep 0.25; done
      rm -f "$STATE/$p.pid"
    fi
  done
  say "down"
}

cmd_status() {
  local h name
  docker info >/dev/null 2>&1 || { echo "dockerd not running: lab is down"; return 0; }
  for h in "${HOSTS[@]}"; do
    name=$(name_of "$h")
    printf '%-11s %-14s %s\n' "$name" "$(ip_of "$h")" "$(docker exec "$name" systemctl is-system-running 2>/dev/null || echo down)"
  done
}

cmd_ssh() {
  local name=$1; shift
  exec ssh -i "$STATE/id_ed25519" -o UserKnownHostsFile="$STATE/known_hosts" -o StrictHostKeyChecking=yes "root@$(ip_for "$name")" "$@"
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) cmd_down ;;
  status) hosts_of_inventory; cmd_status ;;
  ssh) shift; hosts_of_inventory; cmd_ssh "$@" ;;
  build-real) mkdir -p "$STATE"; build_real "$STATE/real-prebuild.log" ;;
  *) echo "usage: npm run lab -- up [--fresh] [--masters M] [--workers N] [--kubernetes standin|real] | down | status | ssh HOST [COMMAND...] | build-real" >&2; exit 2 ;;
esac
