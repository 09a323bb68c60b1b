import { activity, otherMasters, undoWith, workers, type PhaseDeclaration } from '../phase-model';

export const joinMasters: PhaseDeclaration = {
  id: 'join-masters',
  articleStep: 10,
  title: 'Second and third masters: kubeadm join --control-plane, in parallel',
  hosts: otherMasters,
  // The article joins them one after the other; kubeadm joins control-plane nodes in parallel since 1.15
  // (its HA guide), the races it had being stacked etcd's member adds: etcd here is external, and its
  // members joined before (etcd-join, one at a time). The joins share one certificate upload (joinNode).
  fanout: 'parallel',
  fanoutBefore: { patchId: 'parallel-master-joins', fanout: 'one-at-a-time' },
  shouldRun: (s) => s.masters.length > 1,
  steps: [
    // A join that died halfway is reset, so the phase can run again (or the host is left clean).
    undoWith({ restore: [], kubeadmReset: true }),
    activity(
      'joinNode',
      'kubeadm join --control-plane',
      'long',
      "fresh token from the first master, and the run's certificate key (the certificates uploaded there once per run, under a lock); kubeadm join --config kubeadm-join.yaml; token revoked",
      { writes: ['kubeadm-join'] },
    ),
    activity('nodeReady', 'node Ready', 'gate', 'the Node is Ready', { gate: true }),
  ],
};

export const joinWorkers: PhaseDeclaration = {
  id: 'join-workers',
  articleStep: 11,
  title: 'Workers: kubeadm join, in parallel',
  hosts: workers,
  fanout: 'parallel',
  // Beside the other masters' joins: a worker joins through the control plane endpoint, the first master
  // unless the operator's load balancer is (which, as kubeadm's HA guide asks, sends only to API servers
  // whose /readyz answers, so never to a master still joining).
  after: ['control-plane-refresh'],
  shouldRun: (s) => s.workers.length > 0,
  steps: [
    // A join that died halfway is reset, so the phase can run again (or the host is left clean).
    undoWith({ restore: [], kubeadmReset: true }),
    activity(
      'joinNode',
      'kubeadm join',
      'long',
      'fresh token from the first master; kubeadm join --config kubeadm-join.yaml; token revoked',
      {
        writes: ['kubeadm-join'],
      },
    ),
    activity('nodeReady', 'node Ready', 'gate', 'the Node is Ready', { gate: true }),
  ],
};
