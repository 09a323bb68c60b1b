// One apt run per host in an install: what later phases of the run would install on this host from apt
// is installed by the first package step instead, and the later steps find it there (check then act).
// Each apt-get install resolves dependencies over the whole package cache and runs dpkg's triggers:
// measured on six fresh lab hosts at once, containerd, then kubelet/kubeadm/kubectl (+ haproxy), then
// etcd took 31.7 s of apt; the same packages in one run 24.1 s.
import type { HostRequest } from '../../contracts/activity-request';
import type { HostSession } from '../host/session';
import { kubernetesPackagePin } from '../../inventory/kubernetes-version';
import type { ClusterSpec } from '../../inventory/spec';

export const KUBE_PACKAGES = ['kubelet', 'kubeadm', 'kubectl'];
/** kubelet, kubeadm and kubectl at the version the inventory pins (apt's `pkg=1.37.1-*`). */
export const pinnedKubePackages = (spec: ClusterSpec) => KUBE_PACKAGES.map((p) => `${p}=${kubernetesPackagePin(spec)}`);

/** What a phase installs on a host from apt, when it does. */
interface PhaseInstall {
  /** The phase(s) whose step installs these (either of them in the run is enough). */
  phases: string[];
  on: (s: HostSession) => boolean;
  packages: (s: HostSession) => string[];
  /** Held once installed (as the phase's own step does). */
  hold?: string[];
  /** Units the packages start on install that the phase starts itself, configured: kept from starting here. */
  holdBackStart?: string[];
}

const PHASE_INSTALLS: PhaseInstall[] = [
  {
    phases: ['packages'],
    on: () => true,
    packages: (s) => pinnedKubePackages(s.spec),
    hold: KUBE_PACKAGES,
  },
  {
    // Debian's etcd-server starts a single-node member with its own data on install (after `reset
    // --purge`, hakube's unit left in /etc): held back until the etcd phase starts it, configured.
    phases: ['etcd-join', 'etcd'],
    on: (s) => s.host.role === 'master' && s.spec.etcd.mode === 'systemd' && !!s.spec.etcd.package,
    packages: (s) => [s.spec.etcd.package!, 'etcd-client'],
    holdBackStart: ['etcd.service'],
  },
  { phases: ['haproxy'], on: (s) => s.host.role === 'worker', packages: () => ['haproxy'] },
];

export interface PackagesAhead {
  packages: string[];
  hold: string[];
  holdBackStart: string[];
}

/**
 * The packages the phases after `phase` in this run install on this host. Empty for a run that does
 * not say its phases (started by an older hakube): each phase then installs its own.
 */
export function packagesAhead(s: HostSession, req: HostRequest, phase: string): PackagesAhead {
  const ahead: PackagesAhead = { packages: [], hold: [], holdBackStart: [] };
  const run = req.runPhases ?? [];
  const later = run.includes(phase) ? run.slice(run.indexOf(phase) + 1) : [];
  for (const install of PHASE_INSTALLS) {
    if (!install.phases.some((p) => later.includes(p)) || !install.on(s)) continue;
    ahead.packages.push(...install.packages(s));
    ahead.hold.push(...(install.hold ?? []));
    ahead.holdBackStart.push(...(install.holdBackStart ?? []));
  }
  return ahead;
}
