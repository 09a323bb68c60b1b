// hakube upgrade -c NAME | -f cluster.yaml --to VERSION [--batch 1|N|P%] [--approve-batches]
// [--drain-timeout S] [--out DIR] [--keep N]: Kubernetes upgraded the way kubeadm documents it for an
// HA cluster with external etcd (phases/upgrade.ts), after an etcd snapshot into the backup directory.
// The inventory stays the operator's: at the end hakube says to set kubernetesVersion in it.
import * as path from 'node:path';
import { loadInventory } from '../inventory/load';
import type { ClusterSpec } from '../inventory/spec';
import { specAtVersion, upgradeTarget } from '../inventory/kubernetes-version';
import { DEFAULT_SNAPSHOTS_KEPT, isBatchSize, type OperationOptions } from '../contracts/activity-request';
import { recordedSpec } from '../temporal/client';
import { runOperation } from './operation-runner';
import { resultSummary } from './progress-view';
import { defaultBackupDir } from './backup-command';
import { drainTimeoutSeconds } from './drain-timeout';
import type { ClusterRef } from './cluster-ref';

export interface UpgradeOptions extends ClusterRef {
  to: string;
  batch?: string;
  approveBatches?: boolean;
  drainTimeout?: string;
  out?: string;
  keep?: string;
  detach?: boolean;
}

/** --batch: "1", a count of workers ("3") or a share of them ("20%", rounded up), as Kubespray's serial. */
export function parseBatch(batch = '1'): string {
  if (!isBatchSize(batch)) throw new Error(`--batch ${batch}: a number of workers (1, 3) or a share of them (20%)`);
  return batch;
}

export function upgradeOptions(name: string, options: UpgradeOptions): OperationOptions {
  const keep = options.keep === undefined ? DEFAULT_SNAPSHOTS_KEPT : Number(options.keep);
  if (!Number.isInteger(keep) || keep < 1 || keep > 1000) throw new Error(`--keep ${options.keep}: a whole number from 1 to 1000`);
  return {
    upgradeBatch: parseBatch(options.batch),
    ...(options.approveBatches && { approveBatches: true }),
    drainTimeoutSeconds: drainTimeoutSeconds(options.drainTimeout),
    backupDir: path.resolve(options.out ?? defaultBackupDir(name)),
    keep,
  };
}

export async function upgradeCommand(options: UpgradeOptions): Promise<number> {
  if (!options.cluster === !options.file) throw new Error('say which cluster: -c NAME (as installed) or -f cluster.yaml');
  // The version and the options are checked before anything starts: a typo never reaches a host.
  upgradeTarget(options.to);
  const fromFile = options.file ? loadInventory(options.file, { requireKeyFiles: true }).spec : undefined;
  const run = upgradeOptions(fromFile?.name ?? options.cluster!, options);
  let spec: ClusterSpec | undefined = fromFile && specAtVersion(fromFile, options.to);
  return runOperation(async (session) => (spec ??= specAtVersion(await recordedSpec(session.client, options.cluster!), options.to)), {
    operation: 'upgrade',
    options: run,
    detach: options.detach,
    onCompleted(result, link) {
      const s = spec!;
      const upgraded = result.phases.some((p) => p.id.startsWith('upgrade-') && Object.values(p.hosts).some((h) => h.changed.length > 0));
      console.log(
        upgraded
          ? `\nCluster ${s.name} upgraded to v${s.kubernetes.version}.\n${resultSummary(result)}`
          : `\nCluster ${s.name} already runs v${s.kubernetes.version} on every node: nothing was upgraded.`,
      );
      console.log(`The etcd snapshot taken before it is in ${run.backupDir} (\`hakube restore --from\` puts the cluster state back).`);
      console.log(
        `Now set kubernetesVersion: "${s.kubernetes.version}" in ${options.file ?? 'the inventory'}` +
          ' (and packages.kubernetesRepo if it names a per-minor mirror): hakube does not edit it, and `hakube up` refuses an inventory older than the cluster.',
      );
      if (link) console.log(`history: ${link}`);
    },
  });
}
