// Article step 6: kubelet, kubeadm, kubectl from the per-minor repository (or a mirror), held.
import type { StepResult } from '../../contracts/activity-request';
import { HOST_PATHS } from '../../contracts/remote-files';
import { result, type HostSession } from '../host/session';
import { ensureHeld, ensurePackages, installedVersion } from '../host/packages';
import { kubernetesPackagePin, versionParts } from '../../inventory/kubernetes-version';
import { ensureRepoKey } from '../host/repo-keys';
import { ensureEnabled } from '../host/units';

const KUBE_PACKAGES = ['kubelet', 'kubeadm', 'kubectl'];

async function installKubernetesPackages(s: HostSession): Promise<StepResult> {
  const { packages } = s.spec;
  await refuseDowngrade(s); // before anything is written: a refused host keeps its apt source
  const key = await ensureRepoKey(s, packages.kubernetesRepoKey, HOST_PATHS['kubernetes-apt-key']);
  const source = await s.writeRendered('apt-kubernetes');
  const pin = kubernetesPackagePin(s.spec);
  const installed = await ensurePackages(
    s,
    KUBE_PACKAGES.map((p) => `${p}=${pin}`),
  );
  const held = await ensureHeld(s, KUBE_PACKAGES);
  // kubelet crash-loops until kubeadm configures it; enabled now so it starts with the host.
  await ensureEnabled(s, 'kubelet');
  return result(key || source.changed || installed || held);
}

/**
 * A host already on a newer Kubernetes than the inventory (after `hakube upgrade`, an inventory not
 * updated) is refused: installing the inventory's version would mean a downgrade kubeadm does not do.
 */
async function refuseDowngrade(s: HostSession): Promise<void> {
  const kubeadm = await installedVersion(s, 'kubeadm');
  if (!kubeadm) return;
  const [, minor, patch] = versionParts(s.spec.kubernetes.version);
  const [, installedMinor, installedPatch] = versionParts(kubeadm);
  const newer = installedMinor > minor || (installedMinor === minor && patch !== undefined && (installedPatch ?? 0) > patch);
  if (newer)
    s.refuse(
      `kubeadm ${kubeadm} is installed, newer than kubernetesVersion ${s.spec.kubernetes.version} of the inventory ` +
        `(the cluster was upgraded): set kubernetesVersion: ${versionParts(kubeadm).slice(0, 3).join('.')} in the inventory`,
      'InventoryOlderThanCluster',
    );
}

export const packagesSteps = { installKubernetesPackages };
