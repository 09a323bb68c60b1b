// Article step 6 (runtime half): kernel modules, sysctls, containerd with SystemdCgroup.
import type { HostRequest, StepResult } from '../../contracts/activity-request';
import { result, type HostSession } from '../host/session';
import { ensureHeld, ensurePackages } from '../host/packages';
import { packagesAhead } from './packages-ahead';
import { ensureDockerSource } from './package-sources';
import { ensureActive } from '../host/units';
import { writeOwingApply } from '../host/owed-apply';
import { versionAtLeast } from '../host/versions';
import { CHECK_BRIDGE_SYSCTL_COMMAND, LOAD_KERNEL_MODULES_COMMAND } from '../host/container-host';
import { installContainerdTarball } from '../host/containerd-tarball';

async function applyKernelSettings(s: HostSession): Promise<StepResult> {
  const modules = await s.writeRendered('kernel-modules');
  const sysctl = await s.writeRendered('sysctl');
  await s.sh(LOAD_KERNEL_MODULES_COMMAND);
  await s.sh(
    'sysctl --system >/dev/null 2>&1 || true; [ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] || { echo "net.ipv4.ip_forward is not 1" >&2; exit 1; }',
  );
  await s.sh(CHECK_BRIDGE_SYSCTL_COMMAND);
  return result(modules.changed || sysctl.changed);
}

async function installContainerd(s: HostSession, req: HostRequest): Promise<StepResult> {
  const { packages } = s.spec;
  // The later phases' packages ride on this apt run: their sources were added, and a newer Kubernetes on
  // the host refused (refuseDowngrade), by addPackageSources before this step (every run that says its
  // phases has that step).
  const ahead = packagesAhead(s, req, 'runtime');
  const install = async (names: string[]) => {
    const installed = await ensurePackages(s, [...names, ...ahead.packages], { holdBackStart: ahead.holdBackStart });
    if (installed && ahead.hold.length) await ensureHeld(s, ahead.hold);
    return installed;
  };
  let changed: boolean;
  if (packages.containerd === 'docker') {
    const source = await ensureDockerSource(s);
    changed = (await install(['containerd.io'])) || source;
  } else if (packages.containerd === 'debian') {
    changed = await install(['containerd', 'runc']);
  } else {
    // Upstream's release tarball and runc binary; the later phases' packages still come from apt (both run).
    const tarball = await installContainerdTarball(s);
    changed = (await install([])) || tarball;
  }
  const version = (await s.sh("containerd --version | awk '{print $3}'")).trim();
  const warnings = versionAtLeast(version, packages.minimumContainerd)
    ? []
    : [
        `containerd ${version}: Kubernetes ${s.spec.kubernetes.minor} needs containerd ${packages.minimumContainerd}+ (packages.containerd: docker installs it)`,
      ];
  return result(changed, warnings);
}

async function configureContainerd(s: HostSession): Promise<StepResult> {
  const config = await writeOwingApply(s, 'containerd', async () => [
    await s.writeRendered('containerd-config'),
    // containerd.registryMirror: written when set, removed (backed up) when no longer.
    s.spec.containerd?.registryMirror ? await s.writeRendered('containerd-mirror') : { changed: await s.remove('containerd-mirror') },
  ]);
  const started = await ensureActive(s, 'containerd', { restart: config.mustApply });
  await config.settled();
  return result(started);
}

export const runtimeSteps = { applyKernelSettings, installContainerd, configureContainerd };
