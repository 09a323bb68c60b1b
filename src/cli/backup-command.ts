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
import { openSession } from './session';
import { formatInterval, parseInterval, scheduleBackup } from '../temporal/schedules';

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
  if (options.schedule !== undefined) return scheduleCommand(options, { name, dir, keep, spec });
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

/** --schedule: a Temporal Schedule runs the backup; it needs a Temporal and a worker that stay up. */
async function scheduleCommand(
  options: BackupOptions,
  target: { name: string; dir: string; keep: number; spec?: ClusterSpec },
): Promise<number> {
  const everyMs = parseInterval(options.schedule!);
  const session = await openSession({ startServer: false });
  try {
    const spec = target.spec ?? (await recordedSpec(session.client, options.cluster!));
    const { scheduleId, created } = await scheduleBackup(session.client, spec, {
      taskQueue: session.settings.taskQueue,
      everyMs,
      backup: { backupDir: target.dir, keep: target.keep },
    });
    console.log(
      `${created ? 'Created' : 'Updated'} schedule ${scheduleId}: an etcd snapshot of ${spec.name} every ${formatInterval(everyMs)} ` +
        `into ${target.dir} (keeping ${target.keep}; a run still going when the next is due makes it skip).`,
    );
    if (session.settings.webUi)
      console.log(`Web UI: ${session.settings.webUi}/namespaces/${session.settings.namespace}/schedules/${scheduleId}`);
    console.log(
      'Scheduled runs need a worker on this machine (`hakube worker`, e.g. as a systemd service) and a Temporal that stays up ' +
        '(`hakube server start`, or TEMPORAL_ADDRESS). `hakube schedules -c ' +
        spec.name +
        '` lists them; `--delete` removes them.',
    );
    return 0;
  } finally {
    await session.close();
  }
}
