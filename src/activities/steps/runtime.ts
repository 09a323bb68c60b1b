// Article step 6 (runtime half): kernel modules, sysctls, containerd with SystemdCgroup.
import type { StepResult } from '../types';
import { result, type HostSession } from '../host-session';
import { ensureActive, ensureKey, ensurePackages } from './apt';

export async function applyKernelSettings(s: HostSession): Promise<StepResult> {
  const modules = await s.writeRendered('kernel-modules');
  const sysctl = await s.writeRendered('sysctl');
  // Load the modules unless their function is already there: loaded, or built into the kernel
  // (then there is no module file; a container host has only its machine's kernel).
  await s.sh('grep -qw overlay /proc/filesystems || modprobe overlay; [ -d /proc/sys/net/bridge ] || modprobe br_netfilter');
  await s.sh('sysctl --system >/dev/null 2>&1 || true; [ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || { echo "net.ipv4.ip_forward is not 1" >&2; exit 1; }');
  await s.sh('[ ! -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || [ "$(sysctl -n net.bridge.bridge-nf-call-iptables)" = 1 ] || { echo "bridge-nf-call-iptables is not 1" >&2; exit 1; }');
  const changed = modules.changed || sysctl.changed;
  return result(changed, changed ? 'modules and sysctls written and applied' : 'modules and sysctls already set');
}

export async function installContainerd(s: HostSession): Promise<StepResult> {
  const { packages } = s.spec;
  let changed = false;
  if (packages.containerd === 'docker') {
    changed = (await ensureKey(s, packages.dockerRepoKey, '/etc/apt/keyrings/docker.asc')) || changed;
    const source = await s.writeRendered('apt-docker');
    changed = (await ensurePackages(s, ['containerd.io'], { update: true })) || source.changed || changed;
  } else if (packages.containerd === 'debian') {
    changed = await ensurePackages(s, ['containerd', 'runc']);
  } else {
    s.refuse('packages.containerd: tarball is not implemented yet; use docker or debian', 'NotImplemented');
  }
  const version = (await s.sh("containerd --version | awk '{print $3}'")).trim().replace(/^v/, '');
  const [maj, min] = version.split('.').map(Number);
  const [needMaj, needMin] = packages.minimumContainerd.split('.').map(Number);
  const tooOld = maj < needMaj || (maj === needMaj && min < needMin);
  return result(changed, `containerd ${version}${tooOld ? `: WARNING Kubernetes ${s.spec.kubernetes.minor} needs containerd ${packages.minimumContainerd}+` : ''}`);
}

export async function configureContainerd(s: HostSession): Promise<StepResult> {
  const config = await s.writeRendered('containerd-config');
  const changed = await ensureActive(s, 'containerd', config.changed);
  return result(changed, config.changed ? 'config.toml written (SystemdCgroup = true), containerd restarted' : 'containerd already configured and running');
}
