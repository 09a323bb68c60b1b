// `hakube upgrade --to VERSION`: kubeadm's documented upgrade of an HA cluster with external etcd
// (etcd itself is hakube's and stays as it is). The skew rules checked first; an etcd snapshot taken
// into the operator's backup directory; the first master `kubeadm upgrade apply`, the other masters
// `kubeadm upgrade node` one at a time; then the workers in batches (--batch), each batch approved first
// with --approve-batches. Every node is cordoned (marked as this run's), drained, upgraded (kubeadm,
// then kubelet and kubectl, held at the new version), restarted and uncordoned, and must be Ready on the
// new kubelet version before the next one starts. Each step checks the version it finds first, so a run
// resumed or repeated never upgrades a node twice.
import type { HostStep, PhaseDeclaration } from '../phase-model';
import { activity, firstMaster, otherMasters, undoWith, workers } from '../phase-model';

export const upgradeCheck: PhaseDeclaration = {
  id: 'upgrade-check',
  title: 'Upgrade checked: one minor at a time, no downgrade, every Node Ready, etcd healthy',
  hosts: firstMaster,
  fanout: 'parallel',
  shouldRun: () => true,
  steps: [
    activity(
      'checkUpgrade',
      'upgrade allowed',
      'quick',
      "the cluster's version (kubeadm-config) and every kubelet's against the target (version-skew policy); every Node Ready; etcd healthy",
    ),
  ],
};

/** What every node goes through, in order; `kubeadmStep` is what kubeadm does on it. The kubeadm package
 * comes first (as kubeadm's docs order it): a version the repository lacks fails before any drain. */
function nodeUpgradeSteps(kubeadmStep: HostStep): HostStep[] {
  return [
    // An abort uncordons only a Node this run cordoned (marked with its tag); packages stay forward.
    undoWith({ restore: [], uncordon: true }),
    activity(
      'upgradeKubeadm',
      'kubeadm at the target',
      'long',
      'apt source for the target minor; apt-mark unhold, apt-get install kubeadm=<target>-*, apt-mark hold (skipped when installed)',
      { writes: ['apt-kubernetes'] },
    ),
    activity(
      'drainForUpgrade',
      'cordoned and drained',
      'once',
      'skipped when the node already runs the target; else annotate hakube.io/cordoned-by, kubectl cordon, kubectl drain --ignore-daemonsets --delete-emptydir-data',
    ),
    kubeadmStep,
    activity(
      'upgradeKubelet',
      'kubelet and kubectl at the target',
      'long',
      'apt-get install kubelet and kubectl at the target, held; systemctl daemon-reload; systemctl restart kubelet (skipped when installed)',
    ),
    activity(
      'uncordonAfterUpgrade',
      'uncordoned',
      'quick',
      'kubectl uncordon, only when this run cordoned the Node (its mark), and the mark removed',
    ),
    activity('nodeUpgraded', 'Node Ready on the target', 'gate', 'the Node is Ready and its kubelet reports the target version', {
      gate: true,
    }),
  ];
}

export const upgradeFirstMaster: PhaseDeclaration = {
  id: 'upgrade-first-master',
  title: 'First master upgraded: kubeadm upgrade apply (control plane, kubeadm-config, kubelet config, add-ons)',
  hosts: firstMaster,
  fanout: 'one-at-a-time',
  shouldRun: () => true,
  steps: nodeUpgradeSteps(
    activity(
      'kubeadmUpgradeApply',
      'kubeadm upgrade apply',
      'long',
      'kubeadm upgrade apply v<target> --yes --etcd-upgrade=false (skipped when its API server already runs the target); gate: /version answers the target',
    ),
  ),
};

export const upgradeMasters: PhaseDeclaration = {
  id: 'upgrade-masters',
  title: 'Other masters upgraded with kubeadm upgrade node, one at a time',
  hosts: otherMasters,
  fanout: 'one-at-a-time',
  shouldRun: (s) => s.masters.length > 1,
  steps: nodeUpgradeSteps(
    activity(
      'kubeadmUpgradeNode',
      'kubeadm upgrade node',
      'long',
      "kubeadm upgrade node (this master's static pods and kubelet config; skipped when its API server already runs the target)",
    ),
  ),
};

export const upgradeWorkers: PhaseDeclaration = {
  id: 'upgrade-workers',
  title: 'Workers upgraded in batches (--batch; with --approve-batches each batch waits for `hakube approve`)',
  hosts: workers,
  fanout: 'batches',
  shouldRun: (s) => s.workers.length > 0,
  steps: [
    activity(
      'workerUpgradeDue',
      'upgrade due',
      'quick',
      "the worker's kubelet version; with --approve-batches a worker not at the target waits for `hakube approve`",
      { approvalWhenResultSays: true },
    ),
    ...nodeUpgradeSteps(
      activity('kubeadmUpgradeNode', 'kubeadm upgrade node', 'long', "kubeadm upgrade node (the worker's kubelet config)"),
    ),
  ],
};
