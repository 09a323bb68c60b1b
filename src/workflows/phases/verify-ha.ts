import { activity, firstMaster, undoWith, type PhaseDeclaration } from '../phase-model';

export const verifyHa: PhaseDeclaration = {
  id: 'verify-ha',
  articleStep: 12,
  title: "HA check: first master's API server stopped, every worker's node Lease renewed through haproxy",
  hosts: firstMaster,
  fanout: 'one-at-a-time',
  shouldRun: (s) => s.verify.ha && s.workers.length > 0 && s.masters.length > 1,
  onlyAfterChange: true,
  // Stops the first master's API server: after everything else that uses it (the add-ons' kubectl), and
  // once every master has joined (the workers must reach another one through haproxy).
  after: ['haproxy', 'dashboard', 'join-masters'],
  afterBefore: { patchId: 'haproxy-beside-master-joins', after: ['haproxy', 'dashboard'] },
  steps: [
    undoWith({ restore: ['apiserver-manifest'], start: ['kubelet'] }),
    activity(
      'verifyHa',
      'workers reach another API server with the first master down',
      'once',
      'move the kube-apiserver static pod manifest aside (backed up) until the API server stops; from another master: ' +
        "every worker's node Lease renewed once more, read from another master (up to 90 s); put the manifest back, wait for /readyz",
    ),
  ],
};
