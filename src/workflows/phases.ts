// The install, as a list of phases in the article's order. This file is the one place that says
// what runs where, in what order, what waits for a human and what can be undone: `hakube plan`
// prints it and the install workflow walks it. Pure data and pure functions (it is bundled into
// the deterministic workflow code): no Node built-ins, no I/O.
import type { ClusterSpec } from '../inventory/spec';
import type { FileId } from '../render/host-files';

export type PhaseId =
  | 'preflight'
  | 'kernel'
  | 'runtime'
  | 'packages'
  | 'etcd'
  | 'init-first-master'
  | 'cni'
  | 'join-masters'
  | 'join-workers'
  | 'haproxy'
  | 'verify-ha'
  | 'ingress'
  | 'dashboard';

/** How a phase spreads over its hosts. */
export type Fanout = 'parallel' | 'one-at-a-time';

export interface Phase {
  id: PhaseId;
  /** Section of the article this phase automates. */
  articleStep: number;
  title: string;
  hosts: (spec: ClusterSpec) => string[];
  fanout: Fanout;
  /** Whether the phase runs for this cluster (k0sctl's "ShouldRun"). */
  enabled: (spec: ClusterSpec) => boolean;
  /** What the phase does on each host, in order, for the plan. */
  steps: string[];
  /** Files from the render catalogue this phase writes. */
  files: FileId[];
  /** The phase may reboot a host, and then waits for `hakube approve` first. */
  rebootNeedsApproval?: boolean;
  /** What is undone if the phase (or, on abort, the run) fails after it changed something. */
  compensation?: string;
  /** A check that must pass before the next phase starts. */
  gate?: string;
}

const all = (s: ClusterSpec) => s.hosts.map((h) => h.name);
const masters = (s: ClusterSpec) => s.masters;
const workers = (s: ClusterSpec) => s.workers;
const firstMaster = (s: ClusterSpec) => [s.firstMaster];
const otherMasters = (s: ClusterSpec) => s.masters.filter((m) => m !== s.firstMaster);
const always = () => true;

export const PHASES: readonly Phase[] = [
  {
    id: 'preflight',
    articleStep: 3,
    title: 'Preflight: reachability, OS, hostname -i, cgroup v2, swap off',
    hosts: all,
    fanout: 'parallel',
    enabled: always,
    steps: [
      'check Debian release, `hostname` and `hostname -i` against the inventory, cgroup v2',
      'apt-get install curl ca-certificates gpg',
      'swapoff -a; comment out swap lines in /etc/fstab (backup kept)',
    ],
    files: [],
    compensation: 'restore /etc/fstab from its backup and swapon -a',
  },
  {
    id: 'kernel',
    articleStep: 5,
    title: 'Kernel from backports, reboot after approval',
    hosts: all,
    fanout: 'parallel',
    enabled: (s) => s.kernel.upgrade,
    steps: ['add backports source', 'apt-get install -t <release>-backports linux-image-amd64', 'wait for approval, reboot, check uname -r'],
    files: ['apt-backports'],
    rebootNeedsApproval: true,
    gate: 'uname -r is at least kernel.minVersion',
  },
  {
    id: 'runtime',
    articleStep: 6,
    title: 'Container runtime: modules, sysctls, containerd with SystemdCgroup',
    hosts: all,
    fanout: 'parallel',
    enabled: always,
    steps: [
      'modprobe overlay br_netfilter; sysctl --system',
      'install containerd (source from packages.containerd)',
      'write /etc/containerd/config.toml, restart containerd',
      'if /run/reboot-required: wait for approval, reboot',
    ],
    files: ['kernel-modules', 'sysctl', 'apt-docker', 'containerd-config'],
    rebootNeedsApproval: true,
    compensation: 'restore the previous containerd config and restart containerd',
    gate: 'containerd active',
  },
  {
    id: 'packages',
    articleStep: 6,
    title: 'kubelet, kubeadm, kubectl from the Kubernetes repository, held',
    hosts: all,
    fanout: 'parallel',
    enabled: always,
    steps: ['add the repository key and source', 'apt-get install kubelet kubeadm kubectl; apt-mark hold', 'if /run/reboot-required: wait for approval, reboot'],
    files: ['apt-kubernetes'],
    rebootNeedsApproval: true,
  },
  {
    id: 'etcd',
    articleStep: 7,
    title: 'External etcd on the masters',
    hosts: masters,
    fanout: 'parallel',
    enabled: always,
    steps: ['install etcd (systemd unit or docker-compose)', 'start etcd on every master'],
    files: ['etcd-env', 'etcd-unit', 'etcd-compose'],
    compensation: 'stop etcd and restore its previous unit and settings',
    gate: 'etcdctl member list = all masters, endpoint health all healthy',
  },
  {
    id: 'init-first-master',
    articleStep: 8,
    title: 'kubeadm init on the first master (v1beta4 config, --upload-certs)',
    hosts: firstMaster,
    fanout: 'one-at-a-time',
    enabled: always,
    steps: ['kubeadm init --config kubeadm-init.yaml --upload-certs', 'wait for /readyz'],
    files: ['kubeadm-init'],
  },
  {
    id: 'cni',
    articleStep: 9,
    title: 'Calico, with the node address interface from the inventory',
    hosts: firstMaster,
    fanout: 'one-at-a-time',
    enabled: always,
    steps: ['kubectl apply -f <cni manifest or operator>', 'set the interface autodetection (IP_AUTODETECTION_METHOD / nodeAddressAutodetectionV4)'],
    files: ['calico-node-env', 'calico-installation'],
  },
  {
    id: 'join-masters',
    articleStep: 10,
    title: 'Second and third masters: kubeadm join --control-plane, one at a time',
    hosts: otherMasters,
    fanout: 'one-at-a-time',
    enabled: (s) => s.masters.length > 1,
    steps: ['fresh token and certificate key from the first master (re-uploaded if expired)', 'kubeadm join --config kubeadm-join.yaml (control plane)'],
    files: ['kubeadm-join'],
    gate: 'node Ready',
  },
  {
    id: 'join-workers',
    articleStep: 11,
    title: 'Workers: kubeadm join, in parallel',
    hosts: workers,
    fanout: 'parallel',
    enabled: (s) => s.workers.length > 0,
    steps: ['fresh token from the first master', 'kubeadm join --config kubeadm-join.yaml'],
    files: ['kubeadm-join'],
    gate: 'node Ready',
  },
  {
    id: 'haproxy',
    articleStep: 12,
    title: 'haproxy on every worker; kubelet switched to https://127.0.0.1:6443',
    hosts: workers,
    fanout: 'parallel',
    enabled: (s) => s.workers.length > 0,
    steps: [
      'install haproxy, write haproxy.cfg, restart, check 127.0.0.1:6443 listens',
      'rewrite server: in kubelet.conf and bootstrap-kubelet.conf to https://127.0.0.1:6443',
      'restart kubelet, check the node stays Ready',
    ],
    files: ['haproxy-config'],
    compensation: 'restore kubelet.conf and bootstrap-kubelet.conf from their backups and restart kubelet',
  },
  {
    id: 'verify-ha',
    articleStep: 12,
    title: "HA check: first master's API server and kubelet stopped, workers stay Ready",
    hosts: firstMaster,
    fanout: 'one-at-a-time',
    enabled: (s) => s.verify.ha && s.workers.length > 0 && s.masters.length > 1,
    steps: [
      'move the kube-apiserver static pod manifest aside (backed up) until the API server stops; stop kubelet',
      'wait 60 s (longer than the node monitor grace period)',
      'from another master: every worker Ready, the first master NotReady',
      'put the manifest back, start kubelet, wait for /readyz',
    ],
    files: [],
    compensation: 'put the kube-apiserver manifest back and start kubelet on the first master',
  },
  {
    id: 'ingress',
    articleStep: 13,
    title: 'Ingress controller, Service with the masters as externalIPs',
    hosts: firstMaster,
    fanout: 'one-at-a-time',
    enabled: (s) => s.ingress.controller !== 'none',
    steps: ['kubectl apply -f <ingress manifest>', 'kubectl apply -f ingress-service.yaml'],
    files: ['ingress-service'],
  },
  {
    id: 'dashboard',
    articleStep: 14,
    title: 'Dashboard on NodePort, admin-user ServiceAccount',
    hosts: firstMaster,
    fanout: 'one-at-a-time',
    enabled: (s) => s.dashboard.kind !== 'none',
    steps: ['kubectl apply -f <dashboard manifest>', 'kubectl apply -f dashboard-service.yaml dashboard-rbac.yaml'],
    files: ['dashboard-service', 'dashboard-rbac'],
  },
];

export function enabledPhases(spec: ClusterSpec): Phase[] {
  return PHASES.filter((p) => p.enabled(spec));
}
