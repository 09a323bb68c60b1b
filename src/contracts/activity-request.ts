// What every host activity receives and returns. No secrets travel here: the spec holds key paths
// only, and results say what changed, not what was read.
import type { ClusterSpec } from '../inventory/spec';
import type { RenderedFileId } from './remote-files';

export interface HostRequest {
  spec: ClusterSpec;
  host: string;
  /** Names this run's backups on the host (/var/lib/hakube/backups/<tag>/...). */
  backupTag: string;
  /** The rendered files the step may write (from its phase declaration): any other is refused. */
  writes?: RenderedFileId[];
  /** For the reboot step: the host's boot marker read before the reboot was approved (in history, so
   * a retried attempt knows whether the reboot already happened and never reboots twice). */
  bootMarker?: string;
  /** Nothing changed earlier in this run: a check that disturbs the cluster (the HA check) is not
   * repeated when it passed before for the same hosts. */
  quiet?: boolean;
  /** What the operator chose for this operation (`hakube reset --wipe-etcd --purge`). */
  options?: OperationOptions;
  /** The install's phases in this run, in order (absent in runs of older hakube): a step may do what a
   * later phase of the run would do on its host, e.g. install its packages in the same apt run. */
  runPhases?: string[];
}

/** A drain runs inside one activity attempt of at most 10 minutes (the `once` policy). */
export const MAX_DRAIN_TIMEOUT_SECONDS = 540;

/** The operator's choices for an operation, passed to every step of it. */
export interface OperationOptions {
  /** reset: erase etcd's data directory after stopping the member (the cluster's state is lost). */
  wipeEtcd?: boolean;
  /** reset: purge the Kubernetes packages and haproxy instead of only releasing their hold. */
  purge?: boolean;
  /** remove: the hosts leaving the cluster. */
  removing?: string[];
  /** remove: go on even if fewer than 3 etcd members would be left, or no quorum. install (`up --force`):
   * take hosts that another cluster's install marked as its own (CLUSTER_IDENTITY). */
  force?: boolean;
  /** remove: the hosts cannot be reached; only the cluster-side steps run (no drain, no reset on them). */
  unreachable?: boolean;
  /** remove: how long a drain may wait for evictions (PodDisruptionBudgets) before the host pauses. */
  drainTimeoutSeconds?: number;
  /** backup: the directory on the worker's machine the snapshot is streamed into (absolute). */
  backupDir?: string;
  /** backup: how many snapshots of the cluster backupDir keeps (older ones removed). */
  keep?: number;
  /** restore: the snapshot on the worker's machine (absolute path of a .db file) and its sha256. */
  snapshotFile?: string;
  snapshotSha256?: string;
  /** renew-certs: renew only certificates ending within this many days (every one when absent). */
  renewWithinDays?: number;
  /** renew-certs: each master waits for `hakube approve` before anything due on it is renewed. */
  approveRenewal?: boolean;
  /** upgrade: how many workers are upgraded at once: "1", a count ("3") or a share of them ("20%"). */
  upgradeBatch?: string;
  /** upgrade: each batch of workers waits for `hakube approve` before its nodes are drained. */
  approveBatches?: boolean;
}

/** An upgrade batch as the operator writes it: a number of workers ("3") or a share of them ("20%"). */
export function isBatchSize(value: unknown): value is string {
  const m = typeof value === 'string' ? /^(\d{1,4})(%?)$/.exec(value) : null;
  return !!m && Number(m[1]) >= 1 && !(m[2] && Number(m[1]) > 100);
}

/** backup's default retention (RKE2 keeps 5 too). */
export const DEFAULT_SNAPSHOTS_KEPT = 5;

/** What a step did: `changed: false` means it found the host already as wanted. */
export interface StepResult {
  changed: boolean;
  /** Findings the operator must see (shown by `hakube up` and `hakube status`). */
  warnings?: string[];
  /** For a step declared approvalWhenResultSays: what the operator is asked to approve before the host goes on. */
  approvalNeeded?: string;
}

/** What `up` learns before its phases: whether the last full install's state record still holds on a host. */
export interface StateVerdict extends StepResult {
  holds: boolean;
  /** Why not, for the operator ("packages, files differ from the last full install"). */
  why?: string;
  /** The run that wrote the record, and when. */
  run?: string;
  at?: string;
}

export interface RebootCheck {
  required: boolean;
  reason: string;
}
