import { activity, allHosts, type PhaseDeclaration } from '../phase-model';

export const kernel: PhaseDeclaration = {
  id: 'kernel',
  articleStep: 5,
  title: 'Kernel from backports, reboot after approval',
  hosts: allHosts,
  fanout: 'parallel',
  shouldRun: (s) => s.kernel.upgrade,
  steps: [
    activity(
      'installBackportsKernel',
      'backports kernel',
      'long',
      'add the backports source; apt-get install -t <release>-backports linux-image-amd64',
      {
        writes: ['apt-backports'],
        rebootWhenResultSays: true,
      },
    ),
    activity('checkKernel', 'kernel version', 'quick', 'uname -r is at least kernel.minVersion', { gate: true }),
  ],
};
