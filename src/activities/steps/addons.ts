// Article steps 9, 13, 14: Calico with the inventory's NIC, the ingress controller and the dashboard.
import type { StepResult } from '../types';
import { result, type HostSession } from '../host-session';
import { apply, kubectl } from './kubectl';

export async function applyCni(s: HostSession): Promise<StepResult> {
  const { cni } = s.spec;
  if (cni.install === 'operator') {
    const operator = await apply(s, cni.operatorUrl);
    const file = await s.writeRendered('calico-installation');
    const installation = await apply(s, file.path);
    return result(operator || installation, 'Tigera operator and Installation applied');
  }
  const manifest = await apply(s, cni.manifestUrl);
  const patch = await s.writeRendered('calico-node-env');
  const out = await kubectl(s, `-n kube-system patch daemonset calico-node --patch-file ${patch.path}`);
  const patched = !/no change/.test(out);
  return result(manifest || patched, `calico applied; calico-node ${patched ? 'patched' : 'already has'} IP_AUTODETECTION_METHOD`);
}

export async function applyIngress(s: HostSession): Promise<StepResult> {
  const controller = await apply(s, s.spec.ingress.manifestUrl);
  const file = await s.writeRendered('ingress-service');
  const service = await apply(s, file.path);
  return result(controller || service, `${s.spec.ingress.controller} with NodePort Service, externalIPs ${s.spec.masters.join(', ')}`);
}

export async function applyDashboard(s: HostSession): Promise<StepResult> {
  const { dashboard } = s.spec;
  const app = await apply(s, dashboard.manifestUrl);
  const service = await apply(s, (await s.writeRendered('dashboard-service')).path);
  const rbac = await apply(s, (await s.writeRendered('dashboard-rbac')).path);
  return result(
    app || service || rbac,
    `${dashboard.kind} on NodePort ${dashboard.nodePort}; token: ssh ${s.spec.firstMaster} kubectl -n ${dashboard.namespace} create token admin-user`,
  );
}
