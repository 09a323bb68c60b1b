// `hakube reset`: the hosts back to what they were before `hakube up` (the companion playbook's
// reset-cluster.yml). Destructive by design, so no undo steps: the CLI asks for the cluster's name
// first. The phases are barriers on purpose: every API server is down before etcd stops.
import { activity, allHosts, always, masters, type PhaseDeclaration } from '../phase-model';

export const resetNodes: PhaseDeclaration = {
  id: 'reset-nodes',
  title: 'kubeadm reset, containers, CNI state and haproxy removed on every host',
  hosts: allHosts,
  fanout: 'parallel',
  shouldRun: always,
  steps: [
    activity(
      'kubeadmReset',
      'kubeadm reset',
      'long',
      "kubeadm reset -f (kubelet stopped, static pods, certificates and kubeconfigs removed) when kubeadm left anything; hakube's completion records removed",
    ),
    activity(
      'removeWorkloadContainers',
      'containers removed',
      'long',
      'crictl rmp -af, crictl rm -af (when crictl and containerd are there)',
    ),
    activity(
      'removeCniState',
      'CNI state removed',
      'quick',
      "/etc/cni/net.d, /var/lib/cni, Calico's state, interfaces (cali*, tunl0, vxlan.calico) and iptables/nft rules of Calico and kube-proxy",
    ),
    activity(
      'removeHaproxy',
      'haproxy removed',
      'long',
      'workers: haproxy stopped and disabled, haproxy.cfg removed (backed up); purged with --purge',
    ),
  ],
};

export const resetEtcd: PhaseDeclaration = {
  id: 'reset-etcd',
  title: 'etcd stopped on every master (its data erased only with --wipe-etcd)',
  hosts: masters,
  fanout: 'parallel',
  shouldRun: always,
  steps: [
    activity(
      'stopEtcd',
      'etcd stopped',
      'long',
      'systemctl disable --now etcd, or docker-compose down; --wipe-etcd: the data directory erased',
    ),
  ],
};

export const releasePackages: PhaseDeclaration = {
  id: 'release-packages',
  title: 'Kubernetes packages released (purged only with --purge)',
  hosts: allHosts,
  fanout: 'parallel',
  shouldRun: always,
  steps: [
    activity(
      'releasePackages',
      'packages released',
      'long',
      "apt-mark unhold kubelet kubeadm kubectl; --purge: apt-get purge of them (and etcd's packages); the container runtime stays",
    ),
  ],
};
