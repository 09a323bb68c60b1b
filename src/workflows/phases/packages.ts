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
      "add the repository key (its fingerprint checked against the pin) and source; apt-get install kubelet kubeadm kubectl, in the same run what later phases configure (a worker's haproxy; a master's etcd.package and etcd-client, Debian's default etcd stopped); apt-mark hold kubelet kubeadm kubectl",
      { writes: ['apt-kubernetes'] },
    ),
    rebootIfRequired(),
  ],
};
