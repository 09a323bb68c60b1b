// The install workflow (one per cluster, id hakube-<name>): a thin shell that registers the
// operator's handlers and lets the engine walk the install's phases (operations.ts).
import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import type { OperationResult } from '../contracts/progress';
import { OperationRun, type OperationInput } from './engine/operation-run';
import { abortUpdate, approveRebootUpdate, hostReportSignal, progressQuery, registerCompensationSignal, retryUpdate } from './messages';

export type InstallInput = OperationInput;
export type InstallResult = OperationResult;

export async function installCluster(input: InstallInput): Promise<InstallResult> {
  const run = new OperationRun('install', input);
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
