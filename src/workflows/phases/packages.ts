import { activity, allHosts, always, rebootIfRequired, type PhaseDeclaration } from '../phase-model';

export const packages: PhaseDeclaration = {
  id: 'packages',
  articleStep: 6,
  title: 'kubelet, kubeadm, kubectl from the Kubernetes repository, held',
  hosts: allHosts,
  fanout: 'parallel',
  shouldRun: always,
  steps: [
    activity(
      'installKubernetesPackages',
      'kubelet, kubeadm, kubectl installed and held',
      'long',
      "add the repository key (its fingerprint checked against the pin) and source; apt-get install kubelet kubeadm kubectl unless the runtime phase's apt run did (and what later phases of this run install here, in the same run); apt-mark hold kubelet kubeadm kubectl",
      { writes: ['apt-kubernetes'] },
    ),
    rebootIfRequired(),
  ],
};
