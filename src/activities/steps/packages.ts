// Article step 6: kubelet, kubeadm, kubectl from the per-minor repository (or a mirror), held.
import type { StepResult } from '../../contracts/activity-request';
import { HOST_PATHS } from '../../contracts/remote-files';
import { result, type HostSession } from '../host/session';
import { ensureHeld, ensurePackages } from '../host/packages';
import { ensureRepoKey } from '../host/repo-keys';
import { ensureEnabled } from '../host/units';

const KUBE_PACKAGES = ['kubelet', 'kubeadm', 'kubectl'];

async function installKubernetesPackages(s: HostSession): Promise<StepResult> {
  const { packages } = s.spec;
  const key = await ensureRepoKey(s, packages.kubernetesRepoKey, HOST_PATHS['kubernetes-apt-key']);
  const source = await s.writeRendered('apt-kubernetes');
  const pin = packages.kubernetesPackageVersion ? `=${packages.kubernetesPackageVersion}` : '';
  const installed = await ensurePackages(
    s,
    KUBE_PACKAGES.map((p) => `${p}${pin}`),
  );
  const held = await ensureHeld(s, KUBE_PACKAGES);
  // kubelet crash-loops until kubeadm configures it; enabled now so it starts with the host.
  await ensureEnabled(s, 'kubelet');
  return result(key || source.changed || installed || held);
}

export const packagesSteps = { installKubernetesPackages };
