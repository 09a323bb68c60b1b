// hakube backup -c NAME | -f cluster.yaml [--out DIR] [--keep N]: an etcd snapshot streamed into DIR
// on the machine of the worker (here, with the embedded worker), as the backup workflow (phases/backup.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadInventory } from '../inventory/load';
import type { ClusterSpec } from '../inventory/spec';
import { recordedSpec } from '../temporal/client';
import { hakubeHome } from '../temporal/home';
import { DEFAULT_SNAPSHOTS_KEPT } from '../contracts/activity-request';
import { snapshotsOf } from '../activities/steps/backup';
import { runOperation } from './operation-runner';
import { scheduleFromCli } from './schedule-operation';

export interface BackupOptions {
  cluster?: string;
  file?: string;
  out?: string;
  keep?: string;
  schedule?: string;
  detach?: boolean;
}

/** Where snapshots go unless --out says otherwise. */
export const defaultBackupDir = (cluster: string) => path.join(hakubeHome(), 'backups', cluster);

export async function backupCommand(options: BackupOptions): Promise<number> {
  if (!options.cluster === !options.file) throw new Error('say which cluster: -c NAME (as installed) or -f cluster.yaml');
  const keep = options.keep === undefined ? DEFAULT_SNAPSHOTS_KEPT : Number(options.keep);
  if (!Number.isInteger(keep) || keep < 1 || keep > 1000) throw new Error(`--keep ${options.keep}: a whole number from 1 to 1000`);
  const name = options.cluster ?? loadInventory(options.file!, { requireKeyFiles: false }).spec.name;
  const dir = path.resolve(options.out ?? defaultBackupDir(name));
  let spec: ClusterSpec | undefined = options.file ? loadInventory(options.file, { requireKeyFiles: true }).spec : undefined;
  if (options.schedule !== undefined)
    return scheduleFromCli(
      { cluster: options.cluster, spec },
      'backup',
      options.schedule,
      { backupDir: dir, keep },
      (s) => `an etcd snapshot of ${s.name} into ${dir} (keeping ${keep})`,
    );
  return runOperation(async (session) => (spec ??= await recordedSpec(session.client, options.cluster!)), {
    operation: 'backup',
    options: { backupDir: dir, keep },
    detach: options.detach,
    onCompleted(_result, link) {
      const newest = fs.existsSync(dir) ? snapshotsOf(dir, name).at(-1) : undefined;
      if (!newest)
        throw new Error(`the backup ended but no snapshot of ${name} is in ${dir} (was it taken by a worker on another machine?)`);
      const sha = fs.readFileSync(path.join(dir, `${newest}.sha256`), 'utf8').split(' ')[0];
      console.log(
        `\netcd snapshot of cluster ${name}: ${path.join(dir, newest)} (sha256 ${sha}; ${snapshotsOf(dir, name).length} kept, --keep ${keep})`,
      );
      console.log(`Restore it with: hakube restore -c ${name} --from ${path.join(dir, newest)}`);
      if (link) console.log(`history: ${link}`);
    },
  });
}
