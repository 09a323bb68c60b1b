// `hakube remove HOST...`: hosts leave a running cluster. Checked against etcd's quorum first, then
// drained (PodDisruptionBudgets respected; an undo uncordons only what this run cordoned), the
// workers' haproxy told the leaving masters are gone (reload), the etcd members removed one at a time,
// the hosts reset (not when --unreachable) and their Nodes deleted. The operator deletes their entries
// from the inventory; hakube never edits it.
import type { OperationOptions } from '../../contracts/activity-request';
import type { ClusterSpec } from '../../inventory/spec';
import { activity, always, firstMaster, undoWith, type PhaseDeclaration } from '../phase-model';
import { resetNodes, releasePackages as releasePackagesPhase, resetEtcd } from './reset';

const leaving = (_s: ClusterSpec, o?: OperationOptions) => o?.removing ?? [];
const leavingMasters = (s: ClusterSpec, o?: OperationOptions) => leaving(s, o).filter((h) => s.masters.includes(h));

export const removeCheck: PhaseDeclaration = {
  id: 'remove-check',
  title: 'Removal checked: not the first master, at least 3 etcd members left with a quorum (or --force)',
  hosts: firstMaster,
  fanout: 'parallel',
  shouldRun: always,
  steps: [
    activity(
      'checkRemoval',
      'removal checked',
      'quick',
      "etcd's live member list and health: fewer than 3 left, or no quorum, is refused without --force",
    ),
  ],
};

// Drains and deletions run from the first master under its one step lock: one host at a time.
export const drain: PhaseDeclaration = {
  id: 'drain',
  title: 'Leaving Nodes cordoned and drained, one at a time (evictions respect PodDisruptionBudgets)',
  hosts: leaving,
  fanout: 'one-at-a-time',
  shouldRun: always,
  steps: [
    undoWith({ restore: [], uncordon: true }),
    activity(
      'drainNode',
      'cordoned and drained',
      'once',
      'from the first master: annotate hakube.io/cordoned-by, kubectl cordon, kubectl drain --ignore-daemonsets --delete-emptydir-data --timeout (not with --unreachable)',
    ),
  ],
};

export const haproxyRefresh: PhaseDeclaration = {
  id: 'haproxy-refresh',
  title: "Workers' haproxy without the leaving masters (reloaded, connections kept)",
  hosts: (s, o) => (leavingMasters(s, o).length ? s.workers.filter((w) => !leaving(s, o).includes(w)) : []),
  fanout: 'parallel',
  shouldRun: always,
  steps: [
    undoWith({ restore: ['haproxy-config'], restart: ['haproxy'] }),
    activity(
      'refreshHaproxy',
      'haproxy backends updated',
      'quick',
      'haproxy.cfg for the masters that stay; haproxy -c; systemctl reload haproxy',
      {
        writes: ['haproxy-config'],
      },
    ),
  ],
};

export const etcdLeave: PhaseDeclaration = {
  id: 'etcd-leave',
  title: "Leaving masters' etcd members removed, one at a time",
  hosts: leavingMasters,
  fanout: 'one-at-a-time',
  shouldRun: always,
  steps: [
    activity(
      'removeEtcdMember',
      'etcd member removed',
      'quick',
      'from the first master: etcdctl member remove, asking the members that stay',
    ),
  ],
};

/** The reset's own steps, on the leaving hosts (none with --unreachable); their etcd data is erased. */
const onReachableLeaving = (s: ClusterSpec, o?: OperationOptions) => (o?.unreachable ? [] : leaving(s, o));
export const resetLeaving: PhaseDeclaration = {
  id: 'reset-leaving',
  title: 'Leaving hosts reset (kubeadm reset, containers, CNI state, haproxy, etcd stopped and erased, packages released)',
  hosts: onReachableLeaving,
  fanout: 'parallel',
  shouldRun: always,
  steps: [...resetNodes.steps, ...resetEtcd.steps, ...releasePackagesPhase.steps],
};

export const deleteNodes: PhaseDeclaration = {
  id: 'delete-node',
  title: 'Leaving Nodes deleted',
  hosts: leaving,
  fanout: 'one-at-a-time',
  shouldRun: always,
  steps: [activity('deleteNode', 'Node deleted', 'quick', 'from the first master: kubectl delete node --ignore-not-found')],
};
