// Article steps 9, 13, 14: Calico with the inventory's NIC, the ingress controller and the dashboard.
// Their manifests are pinned downloads: apply() checks each one's sha256 on the host first.
import type { StepResult } from '../../contracts/activity-request';
import type { PinnedDownload } from '../../inventory/spec';
import { remotePath } from '../../contracts/remote-files';
import { result, type HostSession } from '../host/session';
import { apply, kubectl } from './kubectl';
import { addonPodWarnings } from './addon-pods';

async function applyCni(s: HostSession): Promise<StepResult> {
  const { cni } = s.spec;
  if (cni.plugin === 'flannel') {
    const manifest = await apply(s, cni.manifest);
    const netConf = await s.writeRendered('flannel-net-conf');
    const config = await kubectl(s, `-n kube-flannel patch configmap kube-flannel-cfg --type merge --patch-file ${netConf.path}`);
    const ds = await s.writeRendered('flannel-ds');
    const daemonSet = await kubectl(s, `-n kube-flannel patch daemonset kube-flannel-ds --patch-file ${ds.path}`);
    return result(manifest || !/no change/.test(config) || !/no change/.test(daemonSet));
  }
  if (cni.install === 'operator') {
    // Server-side: the Installation CRD alone is over 1 MB, far above the 256 KiB annotation a client-side apply keeps.
    await apply(s, cni.operatorCrds, { serverSide: true });
    const operator = await apply(s, cni.operator);
    const installation = await apply(s, (await s.writeRendered('calico-installation')).path);
    return result(operator || installation);
  }
  const manifest = await apply(s, cni.manifest);
  const patch = await s.writeRendered('calico-node-env');
  const out = await kubectl(s, `-n kube-system patch daemonset calico-node --patch-file ${patch.path}`);
  return result(manifest || !/no change/.test(out));
}

async function applyIngress(s: HostSession): Promise<StepResult> {
  const controller = await apply(s, s.spec.ingress.manifest);
  const service = await apply(s, (await s.writeRendered('ingress-service')).path);
  // The last add-on step of the install (no dashboard) reports the pods that do not run.
  return result(controller || service, s.spec.dashboard.kind === 'none' ? await addonPodWarnings(s) : []);
}

async function applyDashboard(s: HostSession): Promise<StepResult> {
  const app = await apply(s, s.spec.dashboard.manifest);
  const service = await apply(s, (await s.writeRendered('dashboard-service')).path);
  const rbac = await apply(s, (await s.writeRendered('dashboard-rbac')).path);
  // The last add-on step of the install: the pods that do not run are reported, never hidden.
  return result(app || service || rbac, await addonPodWarnings(s));
}

/**
 * Every manifest the add-on steps above apply for this cluster (pinned downloads, and rendered files by
 * their path on the first master): the objects the state record watches (host/state-record.ts).
 */
export function addonManifests(spec: HostSession['spec']): (PinnedDownload | string)[] {
  const { cni, ingress, dashboard } = spec;
  return [
    ...(cni.plugin === 'calico' && cni.install === 'operator'
      ? [cni.operatorCrds, cni.operator, remotePath('calico-installation')]
      : [cni.manifest]),
    ...(ingress.controller !== 'none' ? [ingress.manifest, remotePath('ingress-service')] : []),
    ...(dashboard.kind !== 'none' ? [dashboard.manifest, remotePath('dashboard-service'), remotePath('dashboard-rbac')] : []),
  ];
}

export const addonsSteps = { applyCni, applyIngress, applyDashboard };
