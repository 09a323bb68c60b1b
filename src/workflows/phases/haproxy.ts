import { LOCAL_API_ADDRESS, LOCAL_API_URL } from '../../contracts/remote-files';
import { activity, undoWith, workers, type PhaseDeclaration } from '../phase-model';

export const haproxy: PhaseDeclaration = {
  id: 'haproxy',
  articleStep: 12,
  title: `haproxy on every worker; kubelet switched to ${LOCAL_API_URL}`,
  hosts: workers,
  fanout: 'parallel',
  // It switches kubelets that have joined. Its backends are every master, but it need not wait for the
  // other masters' joins (the longest phase after the first master): haproxy's health check takes a
  // master in once its API server answers, and until then sends everything to the masters that do.
  after: ['join-workers'],
  afterBefore: { patchId: 'haproxy-beside-master-joins', after: ['join-masters', 'join-workers'] },
  shouldRun: (s) => s.workers.length > 0,
  steps: [
    undoWith({ restore: ['haproxy-config', 'kubelet-conf', 'bootstrap-kubelet-conf'], restart: ['kubelet'] }),
    activity(
      'installHaproxy',
      `haproxy on ${LOCAL_API_ADDRESS}`,
      'long',
      `install haproxy, write haproxy.cfg, restart, check ${LOCAL_API_ADDRESS} listens`,
      {
        writes: ['haproxy-config'],
      },
    ),
    activity(
      'switchKubeletToLocalProxy',
      `kubelet switched to ${LOCAL_API_URL}`,
      'quick',
      `rewrite server: in kubelet.conf and bootstrap-kubelet.conf to ${LOCAL_API_URL}; restart kubelet`,
    ),
    activity('nodeReady', 'node Ready through haproxy', 'gate', 'the Node stays Ready', { gate: true }),
  ],
};
