// The shell every operation workflow shares (install, reset, ...): it registers the operator's
// handlers and lets the engine walk the operation's phases (operations.ts).
import { allHandlersFinished, ApplicationFailure, condition, patched, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { OperationResult } from '../contracts/progress';
import { OperationRun, type OperationInput } from './engine/operation-run';
import type { OperationId } from './operations';
import { byPolicy } from './activity-options';
import { operationWorkflowId } from '../contracts/workflow-ids';
import {
  abortUpdate,
  approveRebootUpdate,
  hostReportSignal,
  operatorSignals,
  progressQuery,
  registerCompensationSignal,
  retryUpdate,
} from './messages';

export async function runOperationWorkflow(operation: OperationId, input: OperationInput): Promise<OperationResult> {
  const run = new OperationRun(operation, input);
  setHandler(progressQuery, () => run.progress);
  setHandler(hostReportSignal, (report) => run.onHostReport(report));
  setHandler(registerCompensationSignal, (c) => run.onRegisterCompensation(c));
  setHandler(approveRebootUpdate, run.approve, { validator: run.validateApprove });
  setHandler(retryUpdate, run.retry, { validator: run.validateRetry });
  setHandler(abortUpdate, (_request) => run.abort(), { validator: (_request) => run.validateAbort() });
  // Behind a patch: a run started before would replay a Signal it once ignored as commands its history lacks.
  if (patched('operator-signals')) {
    setHandler(operatorSignals.approve, (sel) => run.onOperatorSignal('approve', sel));
    setHandler(operatorSignals.retry, (sel) => run.onOperatorSignal('retry', sel));
    setHandler(operatorSignals.abort, () => run.onOperatorSignal('abort'));
  }
  try {
    await waitBehindOthers(operation, input);
    return await run.execute();
  } finally {
    // Let an update in flight (an abort forwarding its signals) finish before the run closes.
    await condition(allHandlersFinished);
  }
}

/** How often a scheduled run looks again whether the operation it waits behind has ended. */
const WAIT_BEHIND_POLL_MS = 15_000;
/** How long a scheduled run without a wait limit (none is created so) waits behind another operation. */
const DEFAULT_WAIT_BEHIND_SECONDS = 3600;

/**
 * A run a Temporal Schedule started (its id has the time appended) does not go beside another operation
 * of the cluster (an install, a removal, a restore: the CLI refuses those when a scheduled run is going,
 * and this is the other direction). It waits behind the operations that started before it (a backup and
 * a renewal due at the same time run one after the other; the earlier start goes first, ties by id),
 * before touching any host, up to its wait limit; then it fails naming them, and the next run tries again.
 */
async function waitBehindOthers(operation: OperationId, input: OperationInput): Promise<void> {
  const { workflowId: self, startTime } = workflowInfo();
  if (self === operationWorkflowId(input.spec.name, operation) || !patched('scheduled-run-alone')) return;
  const limitMs = (input.waitLimitSeconds ?? DEFAULT_WAIT_BEHIND_SECONDS) * 1000;
  for (let waitedMs = 0; ; waitedMs += WAIT_BEHIND_POLL_MS) {
    const earlier = (await byPolicy.quick.operationsRunning({ cluster: input.spec.name, self })).filter((o) => {
      const started = Date.parse(o.startTime);
      return started < startTime.getTime() || (started === startTime.getTime() && o.workflowId < self);
    });
    if (!earlier.length) return;
    if (waitedMs >= limitMs)
      throw ApplicationFailure.nonRetryable(
        `scheduled ${operation} of ${input.spec.name} did not start: ${earlier.map((o) => o.workflowId).join(', ')} still running after ${Math.round(limitMs / 1000)} s`,
        'OperationRunning',
      );
    await sleep(WAIT_BEHIND_POLL_MS);
  }
}
