// Article step 6: kubelet, kubeadm, kubectl from the per-minor repository (or a mirror), held.
import type { HostRequest, StepResult } from '../../contracts/activity-request';
import { result, type HostSession } from '../host/session';
import { ensureHeld, ensurePackages } from '../host/packages';
import { ensureKubernetesSource } from './package-sources';
import { refuseDowngrade } from './downgrade';
import { ensureEnabled } from '../host/units';
import { KUBE_PACKAGES, packagesAhead, pinnedKubePackages } from './packages-ahead';

async function installKubernetesPackages(s: HostSession, req: HostRequest): Promise<StepResult> {
  await refuseDowngrade(s); // before anything is written: a refused host keeps its apt source
  const source = await ensureKubernetesSource(s);
  // Usually installed by the runtime phase's apt run already (packages-ahead.ts); later phases' packages ride here otherwise.
  const ahead = packagesAhead(s, req, 'packages');
  const installed = await ensurePackages(s, [...pinnedKubePackages(s.spec), ...ahead.packages], {
    holdBackStart: ahead.holdBackStart,
  });
  const held = await ensureHeld(s, KUBE_PACKAGES);
  // kubelet crash-loops until kubeadm configures it; enabled now so it starts with the host.
  await ensureEnabled(s, 'kubelet');
  return result(source || installed || held);
}

export const packagesSteps = { installKubernetesPackages };
