// `hakube backup`: an etcd snapshot taken from a healthy member (etcdctl snapshot save, run on the
// first master, which holds the client certificate), its integrity checked on the host (snapshot
// status, sha256), then streamed over SFTP into the operator's directory on the worker's machine — never
// through workflow history — checked again there and kept with a .sha256 beside it; older snapshots of
// the cluster beyond --keep are removed.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SNAPSHOTS_KEPT, type HostRequest, type StepResult } from '../../contracts/activity-request';
import { result, type HostSession } from '../host/session';
import { remoteTransferPath } from '../ssh/transfer';
import { shq } from '../ssh/shell';
import { etcdctlFor, etcdToolsFor } from './etcd';

/** sha256 of a file on the worker's machine, streamed. */
export function sha256OfFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    fs.createReadStream(file)
      .on('data', (d) => hash.update(d))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

/** `<cluster>-20261127T141500Z.db`: sorts by time, so retention keeps the last names. */
export const snapshotName = (cluster: string, at: Date) =>
  `${cluster}-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}.db`;
export const snapshotsOf = (dir: string, cluster: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`${cluster}-`) && /^\d{8}T\d{6}Z\.db$/.test(f.slice(cluster.length + 1)))
    .sort();

/** The first endpoint etcd reports healthy: a snapshot from a member that is behind would lose writes. */
async function healthyEndpoint(s: HostSession): Promise<string> {
  const health = await s.probe(`${etcdctlFor(s.spec)} --endpoints=${s.spec.etcd.endpoints.join(',')} endpoint health`, {
    timeoutMs: 60_000,
  });
  const healthy = (health.stdout + health.stderr)
    .split('\n')
    .map((l) => /^(\S+) is healthy/.exec(l.trim())?.[1])
    .find(Boolean);
  if (!healthy) throw new Error(`no etcd member is healthy:\n${(health.stdout + health.stderr).trim()}`);
  return healthy;
}

async function snapshotEtcd(s: HostSession, req: HostRequest): Promise<StepResult> {
  const dir = req.options?.backupDir;
  if (!dir) s.refuse('no backup directory was given (a bug in hakube)', 'InvalidRequest');
  const keep = req.options?.keep ?? DEFAULT_SNAPSHOTS_KEPT;
  const tools = etcdToolsFor(s.spec);
  const part = `hakube-snapshot-${s.backupTag}.db.part`; // per run: a scheduled and a manual backup never share it
  const onHost = `${tools.dataDirOnHost}/${part}`;
  const endpoint = await healthyEndpoint(s);
  // Parts older than an hour are runs that died mid-snapshot: removed, so they do not pile up.
  await s.sh(
    `find ${tools.dataDirOnHost} -maxdepth 1 -name 'hakube-snapshot-*.db.part' -mmin +60 -delete; rm -f ${onHost}; ${etcdctlFor(s.spec)} --endpoints=${endpoint} snapshot save ${tools.dataDirForTools}/${part}`,
    {
      timeoutMs: 10 * 60_000,
    },
  );
  const status = JSON.parse(await s.sh(tools.snapshotStatus(`${tools.dataDirForTools}/${part}`), { timeoutMs: 5 * 60_000 })) as {
    revision: number;
    totalKey: number;
    totalSize: number;
  };
  const transfer = remoteTransferPath('.db');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const name = snapshotName(s.spec.name, new Date());
  const localPart = path.join(dir, `.${name}.part`);
  try {
    // Readable by the SSH user alone (sudo setups), for the SFTP download.
    await s.sh(`install -m 600 -o ${shq(s.conn.user)} ${onHost} ${transfer} && rm -f ${onHost}`);
    const remoteSha = (await s.sh(`sha256sum ${transfer}`)).split(' ')[0]!;
    await s.download(transfer, localPart);
    fs.chmodSync(localPart, 0o600);
    const localSha = await sha256OfFile(localPart);
    if (localSha !== remoteSha) throw new Error(`the snapshot changed on its way: sha256 ${remoteSha} on ${s.host.name}, ${localSha} here`);
    fs.renameSync(localPart, path.join(dir, name));
    fs.writeFileSync(path.join(dir, `${name}.sha256`), `${localSha}  ${name}\n`, { mode: 0o600 });
    s.log(`${path.join(dir, name)}: revision ${status.revision}, ${status.totalKey} keys, ${status.totalSize} bytes, sha256 ${localSha}`);
  } finally {
    fs.rmSync(localPart, { force: true });
    await s.probe(`rm -f ${transfer} ${onHost}`);
  }
  for (const old of snapshotsOf(dir, s.spec.name).slice(0, -keep)) {
    fs.rmSync(path.join(dir, old), { force: true });
    fs.rmSync(path.join(dir, `${old}.sha256`), { force: true });
  }
  return result(true);
}

export const backupSteps = { snapshotEtcd };
