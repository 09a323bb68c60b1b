// The shell every operation workflow shares (install, reset, ...): it registers the operator's
// handlers and lets the engine walk the operation's phases (operations.ts).
import { allHandlersFinished, ApplicationFailure, condition, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { OperationResult } from '../contracts/progress';
import { OperationRun, type OperationInput } from './engine/operation-run';
import type { OperationId } from './operations';
import { byPolicy } from './activity-options';
import { operationWorkflowId } from '../contracts/workflow-ids';
import { abortUpdate, approveRebootUpdate, hostReportSignal, progressQuery, registerCompensationSignal, retryUpdate } from './messages';

export async function runOperationWorkflow(operation: OperationId, input: OperationInput): Promise<OperationResult> {
  const run = new OperationRun(operation, input);
  setHandler(progressQuery, () => run.progress);
  setHandler(hostReportSignal, (report) => run.onHostReport(report));
  setHandler(registerCompensationSignal, (c) => run.onRegisterCompensation(c));
  setHandler(approveRebootUpdate, run.approve, { validator: run.validateApprove });
  setHandler(retryUpdate, run.retry, { validator: run.validateRetry });
  setHandler(abortUpdate, (_request) => run.abort(), { validator: (_request) => run.validateAbort() });
  try {
    await refuseBesideAnother(operation, input);
    return await run.execute();
  } finally {
    // Let an update in flight (an abort forwarding its signals) finish before the run closes.
    await condition(allHandlersFinished);
  }
}

/**
 * A run a Temporal Schedule started (its id has the time appended) does not go beside another operation
 * of the cluster (an install, a removal, a restore: the CLI refuses those when a scheduled run is going,
 * and this is the other direction). It fails at once, naming what runs, before any host is touched;
 * the Schedule's next run tries again.
 */
async function refuseBesideAnother(operation: OperationId, input: OperationInput): Promise<void> {
  const self = workflowInfo().workflowId;
  if (self === operationWorkflowId(input.spec.name, operation) || !patched('scheduled-run-alone')) return;
  const others = await byPolicy.quick.operationsRunning({ cluster: input.spec.name, self });
  if (others.length)
    throw ApplicationFailure.nonRetryable(
      `scheduled ${operation} of ${input.spec.name} skipped: ${others.join(', ')} is running`,
      'OperationRunning',
    );
}
