// Article step 6: kubelet, kubeadm, kubectl from the per-minor repository (or a mirror), held.
import type { StepResult } from '../../contracts/activity-request';
import { result, type HostSession } from '../host/session';
import { ensureHeld, ensurePackages, missingPackages } from '../host/packages';
import { kubernetesPackagePin } from '../../inventory/kubernetes-version';
import { ensureKubernetesSource } from './package-sources';
import { refuseDowngrade } from './downgrade';
import { ensureEnabled } from '../host/units';

const KUBE_PACKAGES = ['kubelet', 'kubeadm', 'kubectl'];

async function installKubernetesPackages(s: HostSession): Promise<StepResult> {
  await refuseDowngrade(s); // before anything is written: a refused host keeps its apt source
  const source = await ensureKubernetesSource(s);
  const pin = kubernetesPackagePin(s.spec);
  const later = laterPackages(s);
  const etcdNew = s.host.role === 'master' && later.length > 0 && (await missingPackages(s, later)).length > 0;
  const installed = await ensurePackages(s, [...KUBE_PACKAGES.map((p) => `${p}=${pin}`), ...later]);
  // Debian starts a single-node etcd on install: stopped, as the etcd phase did when it installed it (its
  // unit, which replaces Debian's, uses its own data directory).
  if (etcdNew) await s.sh('systemctl stop etcd || true');
  const held = await ensureHeld(s, KUBE_PACKAGES);
  // kubelet crash-loops until kubeadm configures it; enabled now so it starts with the host.
  await ensureEnabled(s, 'kubelet');
  return result(source || installed || held);
}

/**
 * What later phases install on this host from Debian, fetched in this phase's apt run instead (their steps
 * then find it installed and only configure it): one run of apt and dpkg per host instead of two or
 * three, the later ones on the install's critical path (a worker's haproxy after the joins, a master's
 * etcd before kubeadm init).
 */
function laterPackages(s: HostSession): string[] {
  if (s.host.role === 'worker') return ['haproxy'];
  const { etcd } = s.spec;
  return etcd.mode === 'systemd' && etcd.package ? [etcd.package, 'etcd-client'] : [];
}

export const packagesSteps = { installKubernetesPackages };
