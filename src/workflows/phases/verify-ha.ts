import { activity, firstMaster, undoWith, type PhaseDeclaration } from '../phase-model';

export const verifyHa: PhaseDeclaration = {
  id: 'verify-ha',
  articleStep: 12,
  title: "HA check: first master's API server and kubelet stopped, workers stay Ready",
  hosts: firstMaster,
  fanout: 'one-at-a-time',
  shouldRun: (s) => s.verify.ha && s.workers.length > 0 && s.masters.length > 1,
  onlyAfterChange: true,
  steps: [
    undoWith({ restore: ['apiserver-manifest'], start: ['kubelet'] }),
    activity(
      'verifyHa',
      'workers stay Ready with the first master down',
      'once',
      'move the kube-apiserver static pod manifest aside (backed up) until the API server stops; stop kubelet; wait 60 s ' +
        '(longer than the node monitor grace period); from another master: every worker Ready, the first master NotReady; ' +
        'put the manifest back, start kubelet, wait for /readyz',
    ),
  ],
};
