import { activity, always, firstMaster, undoWith, type PhaseDeclaration } from '../phase-model';

export const initFirstMaster: PhaseDeclaration = {
  id: 'init-first-master',
  articleStep: 8,
  title: 'kubeadm init on the first master (v1beta4 config, --upload-certs)',
  hosts: firstMaster,
  fanout: 'one-at-a-time',
  shouldRun: always,
  createsCluster: true,
  steps: [
    // A kubeadm init that died halfway is reset, so the phase can run again (or the host is left clean).
    undoWith({ restore: [], kubeadmReset: true }),
    activity(
      'kubeadmInit',
      'kubeadm init',
      'long',
      'kubeadm init --config kubeadm-init.yaml --upload-certs (skipped when the API server already answers)',
      {
        writes: ['kubeadm-init'],
      },
    ),
    activity('apiServerReady', 'API server ready', 'gate', 'kubectl get --raw /readyz = ok', { gate: true }),
  ],
};
