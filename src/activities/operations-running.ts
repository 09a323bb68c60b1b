// The activity behind a scheduled run's "not beside another operation" check (operation-workflow.ts):
// it asks Temporal's visibility, through the worker's own client, which of the cluster's top-level
// operations run now. No host is touched.
import { Context } from '@temporalio/activity';
import { operationOfWorkflowId, runningWorkflowsQuery } from '../contracts/workflow-ids';

export interface RunningOperation {
  workflowId: string;
  /** ISO time (plain data for the workflow's comparison). */
  startTime: string;
}

export async function operationsRunning({ cluster, self }: { cluster: string; self: string }): Promise<RunningOperation[]> {
  const found: RunningOperation[] = [];
  for await (const w of Context.current().client.workflow.list({ query: runningWorkflowsQuery(cluster) }))
    if (w.workflowId !== self && operationOfWorkflowId(cluster, w.workflowId))
      found.push({ workflowId: w.workflowId, startTime: w.startTime.toISOString() });
  return found;
}
