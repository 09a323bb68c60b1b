// `hakube restore --from FILE`: the cluster's state put back from an etcd snapshot. Every API server
// is stopped first (its static pod manifest moved away, backed up), then on every master the snapshot
// is uploaded, checked, and restored into a fresh data directory with the member's own name and peer
// URL and a new cluster token (the old data directory is kept beside it), etcd started; then the API
// servers come back and every Node must be Ready again.
import type { HostRequest, StepResult } from '../../contracts/activity-request';
import { API_SERVER_ONLY, startStaticPods, stopStaticPods } from '../host/static-pods';
import { result, type HostSession } from '../host/session';
import { parseNodeReady } from '../host/facts';
import { remoteTransferPath } from '../ssh/transfer';
import { shq } from '../ssh/shell';
import { KUBECTL, NODE_READY_COLUMNS, firstMaster } from './kubectl';
import { etcdToolsFor } from './etcd';

/** Marks a member restored by this run, so a retried step does not restore it again over new writes. */
const restoredMarker = (tag: string) => `/var/lib/hakube/etcd-restored-${tag}`;
/** Where the member's data directory from before the restore is kept (the way back, by hand). */
export const dataDirBeforeRestore = (dataDir: string, tag: string) => `${dataDir}.before-restore-${tag}`;

/**
 * Where the API server's manifest waits while the restore runs, whatever run moved it: a restore aborted
 * after the API servers stopped leaves it here, and the next restore (or startApiServer) puts it back.
 */
const MANIFEST_ASIDE_DIR = '/var/lib/hakube/restore';

/** Refused before anything is stopped: restore automates the systemd etcd variant only. */
function refuseComposeVariant(s: HostSession): void {
  if (s.spec.etcd.mode !== 'systemd')
    s.refuse(
      'restoring the docker-compose etcd variant is not automated yet: see docs/day2.md (Backup and restore) for the steps by hand',
      'NotSupported',
    );
}

async function stopApiServer(s: HostSession): Promise<StepResult> {
  refuseComposeVariant(s);
  return result(await stopStaticPods(s, MANIFEST_ASIDE_DIR, API_SERVER_ONLY));
}

async function restoreEtcdMember(s: HostSession, req: HostRequest): Promise<StepResult> {
  const { snapshotFile, snapshotSha256 } = req.options ?? {};
  if (!snapshotFile || !snapshotSha256) s.refuse('no snapshot was given (a bug in hakube)', 'InvalidRequest');
  refuseComposeVariant(s);
  if (await s.test(`test -e ${restoredMarker(s.backupTag)}`)) {
    s.log('restored by this run already');
    await s.sh('systemctl start --no-block etcd'); // an attempt may have died between the marker and the start
    return result(false);
  }
  const { dataDirOnHost: dataDir } = etcdToolsFor(s.spec);
  const aside = dataDirBeforeRestore(dataDir, s.backupTag);
  const transfer = remoteTransferPath('.db');
  try {
    await s.upload(snapshotFile, transfer);
    const sha = (await s.sh(`sha256sum ${transfer}`)).split(' ')[0];
    if (sha !== snapshotSha256)
      throw new Error(`the snapshot changed on its way: sha256 ${sha} on ${s.host.name}, ${snapshotSha256} expected`);
    await s.sh(etcdToolsFor(s.spec).snapshotStatus(transfer), { timeoutMs: 5 * 60_000 });
    await s.sh('systemctl stop etcd');
    // The data from before is kept once (a retry after a half-done restore drops only the half-done one).
    await s.sh(`if [ -e ${aside} ]; then rm -rf ${dataDir}; elif [ -e ${dataDir} ]; then mv ${dataDir} ${aside}; fi`);
    const peer = `${s.spec.etcd.scheme}://${s.host.address}:2380`;
    const flags =
      `--name ${shq(s.host.name)} --initial-cluster ${shq(s.spec.etcd.initialCluster)} ` +
      `--initial-cluster-token ${shq(`${s.spec.etcd.clusterToken}-${s.backupTag}`)} --initial-advertise-peer-urls ${peer} --data-dir ${dataDir}`;
    await s.sh(
      `if command -v etcdutl >/dev/null; then etcdutl snapshot restore ${transfer} ${flags}; else ETCDCTL_API=3 etcdctl snapshot restore ${transfer} ${flags}; fi`,
      { timeoutMs: 10 * 60_000 },
    );
    await s.sh(`chmod 700 ${dataDir} && mkdir -p /var/lib/hakube && touch ${restoredMarker(s.backupTag)}`);
    // A member alone has no quorum: started without waiting, the gate waits for all of them.
    await s.sh('systemctl start --no-block etcd');
  } finally {
    await s.probe(`rm -f ${transfer}`);
  }
  return result(true);
}

async function startApiServer(s: HostSession): Promise<StepResult> {
  return result(await startStaticPods(s, MANIFEST_ASIDE_DIR, API_SERVER_ONLY));
}

/** Gate: every host of the inventory has a Ready Node. */
async function clusterNodesReady(s: HostSession): Promise<StepResult> {
  const ready = parseNodeReady(
    await firstMaster(s).sh(`${KUBECTL} get nodes --no-headers -o ${NODE_READY_COLUMNS}`, { timeoutMs: 60_000 }),
  );
  const notReady = s.spec.hosts.map((h) => h.name).filter((h) => ready[h] !== 'True');
  if (notReady.length) throw new Error(`Nodes not Ready yet: ${notReady.join(', ')}`);
  return result(false);
}

export const restoreSteps = { stopApiServer, restoreEtcdMember, startApiServer, clusterNodesReady };
