// The shell every operation workflow shares (install, reset, ...): it registers the operator's
// handlers and lets the engine walk the operation's phases (operations.ts).
import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import type { OperationResult } from '../contracts/progress';
import { OperationRun, type OperationInput } from './engine/operation-run';
import type { OperationId } from './operations';
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
    return await run.execute();
  } finally {
    // Let an update in flight (an abort forwarding its signals) finish before the run closes.
    await condition(allHandlersFinished);
  }
}
