import { activity, allHosts, always, undoWith, type PhaseDeclaration } from '../phase-model';

export const preflight: PhaseDeclaration = {
  id: 'preflight',
  articleStep: 3,
  title: 'Preflight: reachability, OS, hostname -i, cgroup v2, swap off',
  hosts: allHosts,
  fanout: 'parallel',
  shouldRun: always,
  steps: [
    activity(
      'preflight',
      'preflight checks',
      'long', // it runs apt-get install
      'check Debian release, `hostname` and `hostname -i` against the inventory, cgroup v2; apt-get install curl ca-certificates gpg',
    ),
    undoWith({ restore: ['fstab'], swapOn: true }),
    activity('disableSwap', 'swap off, fstab edited', 'quick', 'swapoff -a; comment out swap lines in /etc/fstab (backup kept)'),
  ],
};
