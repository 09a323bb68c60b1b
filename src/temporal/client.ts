// Starting, attaching to and talking to a cluster's operations (install, reset, ...). Used by the
// CLI; no workflow logic here.
import { Client, Connection, isGrpcServiceError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { operationAttributes } from '../contracts/search-attributes';
import { searchAttributesUsable } from './search-attributes';

const GRPC_NOT_FOUND = 5;
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { withoutHosts, type ClusterSpec } from '../inventory/spec';
import type { installCluster } from '../workflows/install-cluster';
import type { OperationInput } from '../workflows/engine/operation-run';
import type { OperationId } from '../workflows/operations';
import { abortUpdate, approveRebootUpdate, progressQuery, retryUpdate, type HostSelection } from '../workflows/messages';
import type { Progress } from '../contracts/progress';
import { connectionOptions, type TemporalSettings } from './settings';
import { hakubeDataConverter } from './codec';
import { installWorkflowId, operationOfWorkflowId, operationWorkflowId, runningWorkflowsQuery } from '../contracts/workflow-ids';

export { installWorkflowId, operationWorkflowId } from '../contracts/workflow-ids';
/** The workflow type of each operation (the worker registers them all from workflows/index.ts). */
export const OPERATION_WORKFLOW_TYPES: Record<OperationId, string> = {
  install: 'installCluster',
  reset: 'resetCluster',
  remove: 'removeNodes',
  backup: 'backupEtcd',
  restore: 'restoreEtcd',
  'renew-certs': 'renewCertificates',
  upgrade: 'upgradeCluster',
};
/** What the CLI calls each operation in its messages. */
export const OPERATION_NOUNS: Record<OperationId, string> = {
  install: 'install',
  reset: 'reset',
  remove: 'removal',
  backup: 'backup',
  restore: 'restore',
  'renew-certs': 'certificate renewal',
  upgrade: 'upgrade',
};
/** The Web UI's line for an operation's workflow (plain text in history: names and counts only). */
export const operationSummary = (spec: ClusterSpec, operation: OperationId) =>
  `${OPERATION_NOUNS[operation]} of ${spec.name} (${spec.masters.length} masters, ${spec.workers.length} workers)`;
const OPERATION_IDS = Object.keys(OPERATION_WORKFLOW_TYPES) as OperationId[];

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

export interface StartOptions extends Omit<OperationInput, 'spec'> {
  taskQueue: string;
  /** Default: install. */
  operation?: OperationId;
}

/**
 * One operation at a time per cluster: the same operation already running is attached to; another
 * one running (an install while a reset is asked for) is refused, naming it.
 */
export async function startOrAttach(client: Client, spec: ClusterSpec, options: StartOptions): Promise<StartOutcome> {
  const { taskQueue, operation = 'install', ...input } = options;
  const running = await runningOperation(client, spec.name);
  if (running?.scheduled)
    throw new Error(
      `cluster ${spec.name}: a scheduled ${OPERATION_NOUNS[running.operation]} is running (workflow ${running.handle.workflowId}); ` +
        `wait for it to end (\`hakube status -c ${spec.name}\`), or stop it with \`hakube abort -c ${spec.name}\`, then run this again`,
    );
  if (running && running.operation !== operation)
    throw new Error(
      `cluster ${spec.name}: its ${OPERATION_NOUNS[running.operation]} is running (workflow ${running.handle.workflowId}); ` +
        `wait for it to end, or stop it with \`hakube abort -c ${spec.name}\`, then run this again`,
    );
  if (running) {
    // Attaching is for the same request (a second terminal, a command run again after a crash): a
    // reset or removal asked for other hosts or options is refused instead of silently joined.
    const theirs = operation === 'install' ? undefined : await inputOf(client, running.handle.workflowId);
    if (theirs && JSON.stringify([theirs.hosts, theirs.options]) !== JSON.stringify([input.hosts, input.options]))
      throw new Error(
        `cluster ${spec.name}: a ${OPERATION_NOUNS[operation]} with other hosts or options is running (workflow ${running.handle.workflowId}, ` +
          `${JSON.stringify({ hosts: theirs.hosts, ...theirs.options })}); wait for it to end or \`hakube abort -c ${spec.name}\``,
      );
    return { handle: running.handle, started: false };
  }
  // USE_EXISTING also covers two commands racing: the second gets the first one's run.
  const start = (withAttributes: boolean) =>
    client.workflow.start<typeof installCluster>(OPERATION_WORKFLOW_TYPES[operation], {
      workflowId: operationWorkflowId(spec.name, operation),
      taskQueue,
      args: [{ spec, ...input }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: operationSummary(spec, operation),
      // The host workflows carry them too (with phase and host) when the run has them.
      ...(withAttributes && { typedSearchAttributes: operationAttributes(spec.name, operation) }),
    });
  const withAttributes = await searchAttributesUsable(client);
  const handle = await start(withAttributes).catch((err: Error) => {
    // Just registered on a server whose nodes have not all seen them yet (Elasticsearch visibility): the
    // run goes without them rather than not at all.
    if (!withAttributes || !/search attribute/i.test(err.message)) throw err;
    console.error(`hakube: started without search attributes (${err.message})`);
    return start(false);
  });
  return { handle, started: true };
}

interface OperationHandle {
  operation: OperationId;
  handle: WorkflowHandle<typeof installCluster>;
  status: string;
  startTime: Date;
  /** Started by a Temporal Schedule (a scheduled backup or certificate renewal). */
  scheduled?: boolean;
}

/** Every operation of the cluster Temporal knows of (running scheduled runs included), newest first. */
async function operationsOf(client: Client, cluster: string): Promise<OperationHandle[]> {
  const scheduled: OperationHandle[] = [];
  for await (const w of client.workflow.list({ query: runningWorkflowsQuery(cluster) })) {
    const of = operationOfWorkflowId(cluster, w.workflowId);
    if (of?.scheduled)
      scheduled.push({
        operation: of.operation,
        handle: client.workflow.getHandle<typeof installCluster>(w.workflowId),
        status: 'RUNNING',
        startTime: w.startTime,
        scheduled: true,
      });
  }
  return [...scheduled, ...(await operationsByFixedId(client, cluster))].sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
}

/** The operations started under their fixed ids (by the CLI), running or not. */
async function operationsByFixedId(client: Client, cluster: string): Promise<OperationHandle[]> {
  const found = await Promise.all(
    OPERATION_IDS.map(async (operation) => {
      const handle = client.workflow.getHandle<typeof installCluster>(operationWorkflowId(cluster, operation));
      try {
        const d = await handle.describe();
        return [{ operation, handle, status: d.status.name, startTime: d.startTime }];
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return [];
        throw err;
      }
    }),
  );
  return found.flat().sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
}

export async function runningOperation(client: Client, cluster: string): Promise<OperationHandle | undefined> {
  return (await operationsOf(client, cluster)).find((o) => o.status === 'RUNNING');
}

/** What `status`, `approve`, `retry` and `abort` talk to: the running operation, else the newest. */
export async function currentOperation(client: Client, cluster: string): Promise<OperationHandle> {
  const all = await operationsOf(client, cluster);
  const current = all.find((o) => o.status === 'RUNNING') ?? all[0];
  if (!current)
    throw new Error(`cluster ${cluster}: no operation of it is recorded in this Temporal (start one with \`hakube up -f cluster.yaml\`)`);
  return current;
}

/** An operation's input, read from its history (decoded with the codec keys); undefined when unknown. */
async function inputOf(client: Client, workflowId: string, runId?: string): Promise<OperationInput | undefined> {
  let payloads: Payload[] | null | undefined;
  try {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
  } catch (err) {
    // fetchHistory reports an unknown id as the raw gRPC NOT_FOUND (5), not WorkflowNotFoundError.
    if (!(err instanceof WorkflowNotFoundError) && !(isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND)) throw err;
  }
  if (!payloads?.length) return undefined;
  const [input] = (await decodeArrayFromPayloads(client.options.loadedDataConverter, payloads)) as [OperationInput];
  return input;
}

/**
 * The inventory the cluster was last installed with, for commands given only `-c NAME`: read from its
 * install's history, without the hosts a removal completed since then took out.
 */
export async function recordedSpec(client: Client, cluster: string): Promise<ClusterSpec> {
  const install = await inputOf(client, installWorkflowId(cluster));
  if (!install)
    throw new Error(
      `cluster ${cluster}: no install of it is recorded in this Temporal; give its inventory with -f cluster.yaml instead of -c`,
    );
  const all = await operationsOf(client, cluster);
  const installed = all.find((o) => o.operation === 'install')!;
  const removal = all.find((o) => o.operation === 'remove' && o.status === 'COMPLETED' && o.startTime > installed.startTime);
  const removed = removal ? ((await inputOf(client, removal.handle.workflowId))?.options?.removing ?? []) : [];
  // The newest completed upgrade's spec carries the version (and per-minor repository) the cluster runs
  // now; a later upgrade run that was refused or aborted does not hide it (one workflow id, many runs).
  let upgraded: ClusterSpec | undefined;
  let newest = installed.startTime;
  const upgradeId = operationWorkflowId(cluster, 'upgrade');
  for await (const w of client.workflow.list({ query: `WorkflowId = '${upgradeId}' AND ExecutionStatus = 'Completed'` }))
    if (w.startTime > newest) {
      newest = w.startTime;
      upgraded = (await inputOf(client, w.workflowId, w.runId))?.spec;
    }
  const spec = upgraded ? { ...install.spec, kubernetes: upgraded.kubernetes, packages: upgraded.packages } : install.spec;
  return removed.length ? withoutHosts(spec, removed) : spec;
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

/** How recently a worker must have polled to count (a live worker's long poll lasts up to ~70 s). */
const POLLER_FRESH_MS = 90_000;
/** How long a query may take to be answered by a live worker (a dead sticky worker costs ~10 s first). */
const QUERY_ANSWER_MS = 15_000;

/**
 * Whether a worker serves the run: none polled its task queue lately (the server's view), or, as a worker
 * killed a moment ago still shows there, none answers a query about it within QUERY_ANSWER_MS.
 */
export async function workerServes(client: Client, handle: WorkflowHandle, now = Date.now()): Promise<boolean> {
  const { taskQueue } = await handle.describe();
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  const polledLately = (pollers ?? []).some((p) => {
    const t = p.lastAccessTime;
    const ms = t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;
    return now - ms < POLLER_FRESH_MS;
  });
  if (!polledLately) return false;
  return client.connection
    .withDeadline(Date.now() + QUERY_ANSWER_MS, () => progressOf(handle))
    .then(
      () => true,
      () => false,
    );
}
