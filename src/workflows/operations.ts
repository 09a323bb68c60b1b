// Operations are lists of phases, run by one engine (engine/). The install is the article, in its
// order; reset, node changes, backup/restore, certificates and upgrade are further lists here.
import type { PhaseDeclaration } from './phase-model';
import type { OperationId } from '../contracts/workflow-ids';
import { preflight } from './phases/preflight';
import { kernel } from './phases/kernel';
import { runtime } from './phases/runtime';
import { packages } from './phases/packages';
import { etcd, etcdJoin } from './phases/etcd';
import { initFirstMaster } from './phases/init-first-master';
import { cni } from './phases/cni';
import { joinMasters, joinWorkers } from './phases/join';
import { controlPlaneAfterRemoval, controlPlaneRefresh } from './phases/control-plane';
import { etcdSnapshot } from './phases/backup';
import { etcdRestore, nodesReadyAfterRestore, startApiServers, stopApiServers } from './phases/restore';
import { certsDue, controlPlaneCerts, etcdCerts } from './phases/certs';
import { haproxy } from './phases/haproxy';
import { upgradeCheck, upgradeFirstMaster, upgradeMasters, upgradeWorkers } from './phases/upgrade';
import { verifyHa } from './phases/verify-ha';
import { dashboard, ingress } from './phases/addons';
import { releasePackages, resetEtcd, resetNodes } from './phases/reset';
import { deleteNodes, drain, etcdLeave, haproxyRefresh, removeCheck, resetLeaving } from './phases/remove';

export const INSTALL: readonly PhaseDeclaration[] = [
  preflight,
  kernel,
  runtime,
  packages,
  etcdJoin,
  etcd,
  initFirstMaster,
  cni,
  controlPlaneRefresh,
  joinMasters,
  joinWorkers,
  haproxy,
  verifyHa,
  ingress,
  dashboard,
];

/** `hakube reset`: every host back to before the install (see phases/reset.ts). */
export const RESET: readonly PhaseDeclaration[] = [resetNodes, resetEtcd, releasePackages];

/** `hakube remove HOST...`: hosts leave the running cluster (see phases/remove.ts). */
export const REMOVE: readonly PhaseDeclaration[] = [
  removeCheck,
  drain,
  haproxyRefresh,
  etcdLeave,
  controlPlaneAfterRemoval,
  resetLeaving,
  deleteNodes,
];

/** `hakube backup`: an etcd snapshot into the operator's directory (see phases/backup.ts). */
export const BACKUP: readonly PhaseDeclaration[] = [etcdSnapshot];

/** `hakube restore --from FILE`: the cluster's state back from a snapshot (see phases/restore.ts). */
export const RESTORE: readonly PhaseDeclaration[] = [stopApiServers, etcdRestore, startApiServers, nodesReadyAfterRestore];

/** `hakube certs renew`: etcd's and kubeadm's certificates renewed, one master at a time (see phases/certs.ts). */
export const RENEW_CERTS: readonly PhaseDeclaration[] = [certsDue, etcdCerts, controlPlaneCerts];

/** `hakube upgrade --to VERSION`: an etcd snapshot, then kubeadm's upgrade node by node (see phases/upgrade.ts). */
export const UPGRADE: readonly PhaseDeclaration[] = [upgradeCheck, etcdSnapshot, upgradeFirstMaster, upgradeMasters, upgradeWorkers];

export const OPERATIONS = {
  install: INSTALL,
  reset: RESET,
  remove: REMOVE,
  backup: BACKUP,
  restore: RESTORE,
  'renew-certs': RENEW_CERTS,
  upgrade: UPGRADE,
} satisfies Record<OperationId, readonly PhaseDeclaration[]>;
export type { OperationId };

export function phaseOf(operation: OperationId, id: string): PhaseDeclaration {
  const phase = OPERATIONS[operation].find((p) => p.id === id);
  if (!phase) throw new Error(`operation ${operation} has no phase ${id}`);
  return phase;
}

export function phasesToRun(
  operation: OperationId,
  spec: Parameters<PhaseDeclaration['shouldRun']>[0],
  only?: string[],
): PhaseDeclaration[] {
  return OPERATIONS[operation].filter((p) => p.shouldRun(spec) && (!only || only.includes(p.id)));
}
