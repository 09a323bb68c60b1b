// A cluster's workflow ids: one fixed id per operation (hakube-lab, hakube-lab.reset, ...) and, for
// runs a Temporal Schedule starts, that id with the scheduled time appended (hakube-lab.backup-2026-...).
// Host workflows are children: <operation id>/<phase>/<host>. Pure strings: shared by the CLI, the
// worker's activities and the workflows (bundled: no Node built-ins).

/** Every operation hakube runs (the phases of each: workflows/operations.ts). */
export const OPERATION_IDS = ['install', 'reset', 'remove', 'backup', 'restore', 'renew-certs', 'upgrade'] as const;
export type OperationId = (typeof OPERATION_IDS)[number];

export const installWorkflowId = (cluster: string) => `hakube-${cluster}`;
/** One workflow id per cluster and operation (cluster names have no dots): hakube-lab, hakube-lab.reset. */
export const operationWorkflowId = (cluster: string, operation: OperationId) =>
  operation === 'install' ? installWorkflowId(cluster) : `${installWorkflowId(cluster)}.${operation}`;

/** Which of this cluster's operations a top-level workflow id belongs to, and whether a schedule started it. */
export function operationOfWorkflowId(cluster: string, id: string): { operation: OperationId; scheduled: boolean } | undefined {
  if (id.includes('/')) return undefined;
  for (const operation of OPERATION_IDS) {
    const fixed = operationWorkflowId(cluster, operation);
    if (id === fixed) return { operation, scheduled: false };
    if (operation !== 'install' && id.startsWith(`${fixed}-`)) return { operation, scheduled: true };
  }
  return undefined;
}

/** Cluster names as the inventory allows them (a DNS label): safe inside a visibility query. */
const CLUSTER_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The visibility query for the cluster's running workflows (filter them with operationOfWorkflowId). */
export function runningWorkflowsQuery(cluster: string): string {
  if (!CLUSTER_NAME.test(cluster)) throw new Error(`cluster name ${JSON.stringify(cluster)} is not a DNS label`);
  return `WorkflowId STARTS_WITH '${installWorkflowId(cluster)}' AND ExecutionStatus = 'Running'`;
}

/**
 * A run's tag on the hosts (its backups, its "done" markers): the cluster and the whole run id. Temporal's
 * run ids are UUIDv7, whose first characters are a timestamp: a prefix was shared by runs started within
 * a minute of each other, and the second then found the first's backups and markers as its own.
 */
export const runTag = (cluster: string, runId: string) => `${cluster}-${runId}`;
