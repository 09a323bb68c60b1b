// One phase on one host, as a child workflow: its own history in the Web UI per host.
// Failure is a pause: when a step runs out of retries, this host's compensations for the phase
// run (newest first), the parent is told, and the workflow waits for `retry` (the phase runs
// again; its steps are idempotent) or `abort`.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ClusterSpec } from '../inventory/spec';
import type { Compensation, StepResult } from '../activities/types';
import type { PhaseId } from './phases';
import { reboot as rebootActivities, undo } from './activity-options';
import { HOST_PHASE_STEPS, type PhaseContext } from './host-phase-steps';
import {
  abortSignal,
  approveSignal,
  hostReportSignal,
  registerCompensationSignal,
  retrySignal,
  type HostProgress,
} from './messages';
import { failureMessage } from './failure-message';

export interface HostPhaseInput {
  spec: ClusterSpec;
  phase: PhaseId;
  host: string;
  backupTag: string;
  autoApproveReboots: boolean;
}

export interface HostPhaseResult {
  changed: string[];
  unchanged: string[];
}

export const ABORTED = 'Aborted';

export async function hostPhase(input: HostPhaseInput): Promise<HostPhaseResult> {
  const { spec, phase, host, backupTag } = input;
  const parent = getExternalWorkflowHandle(workflowInfo().parent!.workflowId);
  let approved = false;
  let retryRequested = false;
  let aborted = false;
  setHandler(approveSignal, () => void (approved = true));
  setHandler(retrySignal, () => void (retryRequested = true));
  // Abort also cancels the step in flight (a gate may otherwise keep retrying for minutes).
  let phaseScope: CancellationScope | undefined;
  setHandler(abortSignal, () => {
    aborted = true;
    phaseScope?.cancel();
  });

  const progress: HostProgress = { state: 'running', changed: [], unchanged: [] };
  const report = (update: Partial<HostProgress>) => {
    Object.assign(progress, update);
    return parent.signal(hostReportSignal, { phase, host, progress: { ...progress } });
  };
  const abortedError = () => ApplicationFailure.nonRetryable(`${phase} on ${host} aborted by the operator`, ABORTED);

  let localUndo: Compensation[] = [];
  const req = { spec, host, backupTag };
  const ctx: PhaseContext = {
    req,
    async step<T extends StepResult>(name: string, run: () => Promise<T>): Promise<T> {
      if (aborted) throw abortedError();
      await report({ state: 'running', step: name, error: undefined });
      const result = await run();
      (result.changed ? progress.changed! : progress.unchanged!).push(name);
      return result;
    },
    async compensateWith(c) {
      const compensation: Compensation = { ...c, host, phase, backupTag };
      localUndo.push(compensation);
      await parent.signal(registerCompensationSignal, compensation);
    },
    async reboot(reason) {
      if (!input.autoApproveReboots) {
        approved = false;
        await report({ state: 'waiting-approval', step: `reboot (${reason}): run \`hakube approve ${host}\`` });
        await condition(() => approved || aborted);
        if (aborted) throw abortedError();
      }
      await ctx.step(`reboot (${reason})`, () => rebootActivities.rebootHost(req));
    },
  };

  for (;;) {
    try {
      phaseScope = new CancellationScope();
      await phaseScope.run(() => HOST_PHASE_STEPS[phase](ctx));
      await report({ state: 'done', step: undefined });
      return { changed: progress.changed!, unchanged: progress.unchanged! };
    } catch (err) {
      // Aborted: the parent runs every registered compensation, this host's included.
      if (aborted && isCancellation(err)) throw abortedError();
      if (!(err instanceof ActivityFailure)) throw err;
      const failedStep = progress.step;
      // Undo what this phase did on this host, so it stays as it was while it waits.
      await CancellationScope.nonCancellable(async () => {
        for (const c of [...localUndo].reverse()) await undo.compensate({ spec, compensation: c });
      });
      localUndo = [];
      retryRequested = false;
      await report({ state: 'paused', step: failedStep, error: failureMessage(err) });
      await condition(() => retryRequested || aborted);
      if (aborted) throw abortedError();
      progress.changed = [];
      progress.unchanged = [];
    }
  }
}
