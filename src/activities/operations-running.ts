// The activity behind a scheduled run's "not beside another operation" check (operation-workflow.ts):
// it asks Temporal's visibility, through the worker's own client, which of the cluster's top-level
// operations run now. No host is touched.
import { Context } from '@temporalio/activity';
import { operationOfWorkflowId, runningWorkflowsQuery } from '../contracts/workflow-ids';

export async function operationsRunning({ cluster, self }: { cluster: string; self: string }): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of Context.current().client.workflow.list({ query: runningWorkflowsQuery(cluster) }))
    if (w.workflowId !== self && operationOfWorkflowId(cluster, w.workflowId)) ids.push(w.workflowId);
  return ids;
}
