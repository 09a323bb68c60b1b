// The API servers follow the set of masters: when `up` adds masters (before they join) and when
// `hakube remove` takes some out (after their etcd members left). One master at a time, each behind a
// gate that its API server is back and serves the new names, so the others carry the traffic meanwhile.
import type { OperationOptions } from '../../contracts/activity-request';
import type { ClusterSpec } from '../../inventory/spec';
import { activity, masters, undoWith, type PhaseDeclaration } from '../phase-model';

function controlPlaneRefreshOn(hosts: PhaseDeclaration['hosts']): PhaseDeclaration {
  return {
    id: 'control-plane-refresh',
    title: 'API servers follow the masters: kubeadm-config, certificate SANs, --etcd-servers; one master at a time',
    hosts,
    fanout: 'one-at-a-time',
    shouldRun: (s) => s.masters.length > 1,
    patchId: 'control-plane-refresh-phase',
    steps: [
      undoWith({ restore: ['kubeadm-control-plane', 'apiserver-cert', 'apiserver-key', 'apiserver-manifest'] }),
      activity(
        'refreshControlPlane',
        'API server reconfigured',
        'long',
        'masters already in the control plane only: kubeadm init phase upload-config kubeadm (first master, when etcd endpoints or SANs differ); ' +
          'kubeadm init phase certs apiserver when the certificate lacks a master (old pair backed up); ' +
          'kubeadm init phase control-plane apiserver when --etcd-servers differ',
        { writes: ['kubeadm-control-plane'] },
      ),
      activity(
        'apiServerServes',
        'API server back with the new names',
        'gate',
        "this master's /readyz ok, its served certificate names every master",
        {
          gate: true,
        },
      ),
    ],
  };
}

/** `up`: before new masters join, so they join with the new configuration (the first master first). */
export const controlPlaneRefresh = controlPlaneRefreshOn(masters);

/** `hakube remove`: the masters that stay, once the leaving ones' etcd members are gone. */
export const controlPlaneAfterRemoval = controlPlaneRefreshOn((s: ClusterSpec, o?: OperationOptions) => {
  const removing = o?.removing ?? [];
  return removing.some((h) => s.masters.includes(h)) ? s.masters.filter((m) => !removing.includes(m)) : [];
});
