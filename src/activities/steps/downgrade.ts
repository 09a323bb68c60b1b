// The inventory's Kubernetes against the one installed: hakube installs and upgrades, never downgrades.
import type { HostSession } from '../host/session';
import { installedVersion } from '../host/packages';
import { versionParts } from '../../inventory/kubernetes-version';

/**
 * A host already on a newer Kubernetes than the inventory (after `hakube upgrade`, an inventory not
 * updated) is refused: installing the inventory's version would mean a downgrade kubeadm does not do.
 */
export async function refuseDowngrade(s: HostSession): Promise<void> {
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
