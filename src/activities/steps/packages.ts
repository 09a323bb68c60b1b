// Article step 6: kubelet, kubeadm, kubectl from the per-minor repository (or a mirror), held.
import type { StepResult } from '../../contracts/activity-request';
import { result, type HostSession } from '../host/session';
import { ensureHeld, ensurePackages } from '../host/packages';
import { kubernetesPackagePin } from '../../inventory/kubernetes-version';
import { ensureKubernetesSource } from './package-sources';
import { refuseDowngrade } from './downgrade';
import { ensureEnabled } from '../host/units';

const KUBE_PACKAGES = ['kubelet', 'kubeadm', 'kubectl'];

async function installKubernetesPackages(s: HostSession): Promise<StepResult> {
  await refuseDowngrade(s); // before anything is written: a refused host keeps its apt source
  const source = await ensureKubernetesSource(s);
  const pin = kubernetesPackagePin(s.spec);
  const installed = await ensurePackages(s, [...KUBE_PACKAGES.map((p) => `${p}=${pin}`), ...laterPackages(s)]);
  const held = await ensureHeld(s, KUBE_PACKAGES);
  // kubelet crash-loops until kubeadm configures it; enabled now so it starts with the host.
  await ensureEnabled(s, 'kubelet');
  return result(source || installed || held);
}

/**
 * What a later phase installs on this host from Debian, fetched in this phase's apt run instead (its step
 * then finds it installed and only configures it): a worker's haproxy, whose own apt run came after the
 * joins, on the install's critical path. A master's etcd stays in the etcd phase: Debian starts a default
 * etcd on install, which made the masters' run here longer by more than the etcd phase saved (measured).
 */
function laterPackages(s: HostSession): string[] {
  return s.host.role === 'worker' ? ['haproxy'] : [];
}

export const packagesSteps = { installKubernetesPackages };
