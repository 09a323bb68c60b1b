// Starting, attaching to and talking to an install. Used by the CLI; no workflow logic here.
import { Client, Connection, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { ClusterSpec } from '../inventory/spec';
import type { installCluster } from '../workflows/install-cluster';
import { abortUpdate, approveRebootUpdate, progressQuery, retryUpdate, type HostSelection } from '../workflows/messages';
import type { Progress } from '../contracts/progress';
import { connectionOptions, type TemporalSettings } from './settings';
import { hakubeDataConverter } from './codec';

export const installWorkflowId = (cluster: string) => `hakube-${cluster}`;

export async function connectClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(settings));
  // Everything the CLI sends (the inventory) and reads (progress, results) goes through the codec.
  return new Client({ connection, namespace: settings.namespace, dataConverter: hakubeDataConverter(settings.codecKeys) });
}

export interface StartOutcome {
  handle: WorkflowHandle<typeof installCluster>;
  /** false when an install of this cluster was already running and we attached to it. */
  started: boolean;
}

/** One install per cluster: the workflow id is the cluster name, a running one is attached to. */
export async function startOrAttach(
  client: Client,
  spec: ClusterSpec,
  options: { taskQueue: string; autoApproveReboots?: boolean; onlyPhases?: string[] },
): Promise<StartOutcome> {
  const workflowId = installWorkflowId(spec.name);
  const existing = client.workflow.getHandle<typeof installCluster>(workflowId);
  try {
    if ((await existing.describe()).status.name === 'RUNNING') return { handle: existing, started: false };
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  // USE_EXISTING also covers two `up`s racing: the second gets the first one's run.
  const handle = await client.workflow.start<typeof installCluster>('installCluster', {
    workflowId,
    taskQueue: options.taskQueue,
    args: [{ spec, autoApproveReboots: options.autoApproveReboots, onlyPhases: options.onlyPhases }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return { handle, started: true };
}

export function installHandle(client: Client, cluster: string): WorkflowHandle<typeof installCluster> {
  return client.workflow.getHandle(installWorkflowId(cluster));
}

export async function progressOf(handle: WorkflowHandle): Promise<Progress> {
  return handle.query(progressQuery);
}

export const approve = (handle: WorkflowHandle, sel: HostSelection) => handle.executeUpdate(approveRebootUpdate, { args: [sel] });
export const retry = (handle: WorkflowHandle, sel: HostSelection) => handle.executeUpdate(retryUpdate, { args: [sel] });
export const abort = (handle: WorkflowHandle, reason?: string) => handle.executeUpdate(abortUpdate, { args: [{ reason }] });
