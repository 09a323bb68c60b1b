// hakube restore -c NAME | -f cluster.yaml --from FILE [--yes]: the cluster's state put back from an
// etcd snapshot, as the restore workflow (phases/restore.ts), after the operator typed the cluster's name.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadInventory } from '../inventory/load';
import type { ClusterSpec } from '../inventory/spec';
import { recordedSpec } from '../temporal/client';
import { etcdDataDir } from '../contracts/remote-files';
import { sha256OfFile } from '../activities/steps/backup';
import { runOperation } from './operation-runner';
import { confirmByName } from './confirm';
import { resultSummary } from './progress-view';

export interface RestoreOptions {
  cluster?: string;
  file?: string;
  from?: string;
  yes?: boolean;
  detach?: boolean;
}

export async function restoreCommand(options: RestoreOptions): Promise<number> {
  if (!options.cluster === !options.file) throw new Error('say which cluster: -c NAME (as installed) or -f cluster.yaml');
  if (!options.from) throw new Error('say which snapshot: --from FILE (as `hakube backup` wrote it)');
  const snapshot = path.resolve(options.from);
  if (!fs.existsSync(snapshot) || !fs.statSync(snapshot).isFile()) throw new Error(`--from ${options.from}: no such file`);
  if (!snapshot.endsWith('.db')) throw new Error(`--from ${options.from}: an etcd snapshot file ends in .db`);
  const sha = await sha256OfFile(snapshot);
  // The .sha256 hakube backup wrote beside it, when there is one, must agree (a truncated copy is refused here).
  const sidecar = `${snapshot}.sha256`;
  if (fs.existsSync(sidecar) && fs.readFileSync(sidecar, 'utf8').split(' ')[0] !== sha)
    throw new Error(`--from ${options.from}: its sha256 (${sha}) is not the one in ${sidecar}: the file is damaged or not that snapshot`);
  const fromFile = options.file ? loadInventory(options.file, { requireKeyFiles: true }).spec : undefined;
  if (fromFile && !(await confirm(fromFile, snapshot, options))) return 1;
  let spec: ClusterSpec | undefined = fromFile;
  return runOperation(async (session) => (spec ??= await recordedSpec(session.client, options.cluster!)), {
    operation: 'restore',
    options: { snapshotFile: snapshot, snapshotSha256: sha },
    detach: options.detach,
    beforeStart: fromFile ? undefined : async () => ((await confirm(spec!, snapshot, options)) ? undefined : 1),
    onCompleted(result, link) {
      console.log(`\nCluster ${spec!.name} restored from ${snapshot}.\n${resultSummary(result)}`);
      if (link) console.log(`history: ${link}`);
    },
  });
}

function confirm(spec: ClusterSpec, snapshot: string, options: RestoreOptions): Promise<boolean> {
  return confirmByName(
    spec.name,
    [
      `hakube restore of cluster ${spec.name} from ${snapshot}:`,
      `  every API server stopped (${spec.masters.join(', ')}): the cluster's API is DOWN until the end`,
      `  on every master: etcd stopped, its data (${etcdDataDir(spec.name)}) moved aside to <dir>.before-restore-<run>, the snapshot restored`,
      '  everything written to the cluster since the snapshot is LOST (kept only in the moved-aside data)',
      '  then etcd and the API servers started again, every Node must be Ready',
    ],
    options.yes,
  );
}
