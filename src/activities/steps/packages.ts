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
  // A worker's haproxy comes in the same apt run (its own phase then only configures it): one run of apt
  // and dpkg instead of two, the second of them on the install's critical path after the joins.
  const haproxy = s.host.role === 'worker' ? ['haproxy'] : [];
  const installed = await ensurePackages(s, [...KUBE_PACKAGES.map((p) => `${p}=${pin}`), ...haproxy]);
  const held = await ensureHeld(s, KUBE_PACKAGES);
  // kubelet crash-loops until kubeadm configures it; enabled now so it starts with the host.
  await ensureEnabled(s, 'kubelet');
  return result(source || installed || held);
}

export const packagesSteps = { installKubernetesPackages };
