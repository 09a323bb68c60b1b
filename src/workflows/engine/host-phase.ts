// One phase on one host, as a child workflow (its own history in the Web UI per host): the phase's
// declared steps run in order. Failure is a pause: when a step runs out of retries, this host's
// compensations for the phase run (newest first), the parent is told, and the workflow waits for
// `retry` (the phase runs again; its steps are idempotent) or `abort`.
import {
  type ActivityFunctionWithOptions,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  getExternalWorkflowHandle,
  patched,
  setCurrentDetails,
  setHandler,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { ClusterSpec } from '../../inventory/spec';
import type { HostRequest, OperationOptions, StepResult } from '../../contracts/activity-request';
import { compensationFor, manualUndo, type Compensation } from '../../contracts/compensation';
import { BACKUP_ROOT } from '../../contracts/remote-files';
import type { HostPhaseResult, HostProgress } from '../../contracts/progress';
import { leadingUndoSteps, type ActivityStep, type HostStep } from '../phase-model';
import { phaseOf, type OperationId } from '../operations';
import { byPolicy, reboot as rebootActivities, undo, undoSummary } from '../activity-options';
import { abortSignal, approveSignal, hostReportSignal, registerCompensationSignal, retrySignal } from '../messages';
import type { ReportMark } from './report-order';
import { failureMessage } from '../failure-message';

export interface HostPhaseInput {
  spec: ClusterSpec;
  /** Absent in runs started before operations existed: the install. */
  operation?: OperationId;
  phase: string;
  host: string;
  backupTag: string;
  autoApproveReboots: boolean;
  /** See HostRequest.quiet. */
  quiet?: boolean;
  /** See HostRequest.options. */
  options?: OperationOptions;
  /** See HostRequest.runPhases. */
  runPhases?: string[];
  /** See OperationInput.waitLimitSeconds. */
  waitLimitSeconds?: number;
  /** The run registered the phase's leading undo steps for this host when it started this workflow. */
  leadingUndoRegistered?: boolean;
}

export const ABORTED = 'Aborted';
/** How many times one step may be lost with a dying worker before the host pauses anyway. */
const WORKER_LOSSES_TOLERATED = 20;
export const ABORTED_WITH_ERRORS = 'AbortedWithErrors';

export async function hostPhase(input: HostPhaseInput): Promise<HostPhaseResult> {
  const { spec, phase, host, backupTag } = input;
  const declaration = phaseOf(input.operation ?? 'install', phase);
  const leadingUndo = leadingUndoSteps(declaration);
  const parent = getExternalWorkflowHandle(workflowInfo().parent!.workflowId);
  let approved = false;
  /** The count of the report that began the wait for approval in progress (see waitForApproval). */
  let waitReport: number | undefined;
  let retryRequested = false;
  let aborted = false;
  setHandler(approveSignal, (seen?: ReportMark) => {
    // Named (messages.ts): only an approval of what the operator saw, this wait; one without a name comes
    // from an older hakube's run and is taken as it was.
    if (!seen || (waitReport !== undefined && seen.run === workflowInfo().runId && seen.seq >= waitReport)) approved = true;
  });
  setHandler(retrySignal, () => void (retryRequested = true));
  // Abort also cancels the step in flight (a gate may otherwise keep retrying for minutes).
  let phaseScope: CancellationScope | undefined;
  setHandler(abortSignal, () => {
    aborted = true;
    phaseScope?.cancel();
  });

  const progress: HostProgress & Required<Pick<HostProgress, 'changed' | 'unchanged' | 'warnings'>> = {
    state: 'running',
    changed: [],
    unchanged: [],
    warnings: [],
  };
  let reports = 0;
  /** Updates the progress and what the Web UI shows for this host's workflow while it runs. */
  const show = (update: Partial<HostProgress>) => {
    Object.assign(progress, update);
    setCurrentDetails(`${progress.state}${progress.step ? `: ${progress.step}` : ''}${progress.error ? `\n${progress.error}` : ''}`);
  };
  const report = (update: Partial<HostProgress>) => {
    show(update);
    return parent.signal(hostReportSignal, { phase, host, progress: { ...progress }, run: workflowInfo().runId, seq: ++reports });
  };
  // A step's "running" report is sent with the step's start instead of before it: waiting for the signal to
  // be delivered cost a workflow task per step (~0.1 s, more under load). Reports of a state the operator
  // acts on (waiting for approval, paused, done) are still waited for. Runs recorded before replay as they ran.
  const stepReportsUnwaited = patched('step-reports-unwaited');
  const abortedError = () => ApplicationFailure.nonRetryable(`${phase} on ${host} aborted by the operator`, ABORTED);
  const req: HostRequest = {
    spec,
    host,
    backupTag,
    ...(input.quiet && { quiet: true }),
    ...(input.options && { options: input.options }),
    ...(input.runPhases && { runPhases: input.runPhases }),
  };
  let localUndo: Compensation[] = [];

  async function runActivity<T extends StepResult>(title: string, call: () => Promise<T>): Promise<T> {
    if (aborted) throw abortedError();
    const sent = report({ state: 'running', step: title, error: undefined });
    // Never fails while the run lives (the parent outlives its host workflows).
    if (stepReportsUnwaited) void sent.catch(() => undefined);
    else await sent;
    const result = await untilNotLostWithAWorker(call);
    (result.changed ? progress.changed : progress.unchanged).push(title);
    for (const w of result.warnings ?? []) if (!progress.warnings.includes(w)) progress.warnings.push(w);
    return result;
  }

  /**
   * A step whose last attempt was lost with its worker (a heartbeat timeout: steps heartbeat on a timer
   * while their worker lives) is not a failure of the host: it runs again with a fresh retry budget, up
   * to WORKER_LOSSES_TOLERATED times, instead of pausing the host. Real failures still pause it.
   */
  async function untilNotLostWithAWorker<T>(call: () => Promise<T>): Promise<T> {
    if (!patched('rerun-after-worker-loss')) return call();
    for (let lost = 0; ; lost++) {
      try {
        return await call();
      } catch (err) {
        const heartbeatLost =
          err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === 'HEARTBEAT';
        if (!heartbeatLost || lost >= WORKER_LOSSES_TOLERATED || aborted) throw err;
      }
    }
  }

  /**
   * Waits for the operator (approve, retry or abort). An unattended run (waitLimitSeconds: a scheduled
   * one) gives up when nobody answers in time, so the next scheduled run is not held back by this one.
   */
  async function waitForOperator(answered: () => boolean, what: string): Promise<void> {
    const limit = input.waitLimitSeconds;
    if (limit === undefined) return condition(answered);
    if (!(await condition(answered, limit * 1000)))
      throw ApplicationFailure.nonRetryable(
        `${phase} on ${host}: ${what}, and nobody answered within ${limit} s (an unattended run gives up: its undo runs, the next run tries again)`,
        'Unanswered',
      );
  }

  /** Waits until the operator approves `what` (`hakube approve HOST`) or aborts. */
  async function waitForApproval(what: string): Promise<void> {
    approved = false;
    const sent = report({ state: 'waiting-approval', step: `${what}: run \`hakube approve ${host}\`` });
    waitReport = reports;
    await sent;
    try {
      await waitForOperator(() => approved || aborted, `waiting for approval (${what})`);
    } finally {
      waitReport = undefined;
    }
    if (aborted) throw abortedError();
  }

  /** Waits for the operator's approval, then reboots the host and waits for it to come back. */
  async function rebootHost(reason: string): Promise<void> {
    if (!input.autoApproveReboots) await waitForApproval(`reboot (${reason})`);
    // The boot marker goes into history before the reboot: a retried reboot step sees the host already
    // rebooted and only waits, so one approval is one reboot whatever dies meanwhile.
    const bootMarker = patched('boot-marker-in-history') ? (await byPolicy.quick.bootMarker(req)).marker : undefined;
    await runActivity(`reboot (${reason})`, () => rebootActivities.rebootHost({ ...req, ...(bootMarker && { bootMarker }) }));
  }

  async function runStep(step: HostStep): Promise<void> {
    switch (step.kind) {
      case 'undo': {
        const compensation = compensationFor(step.undo, { host, phase, backupTag });
        localUndo.push(compensation);
        // The run knows the leading ones already (it registered them when it started this workflow): a
        // signal it had to take before the step after it could start was a workflow task round trip per host.
        if (!(input.leadingUndoRegistered && leadingUndo.includes(step))) await parent.signal(registerCompensationSignal, compensation);
        return;
      }
      case 'reboot-if-required': {
        if (step.patchId && !patched(step.patchId)) return;
        const check = await byPolicy.quick.rebootRequired(req);
        if (check.required) await rebootHost(check.reason);
        return;
      }
      case 'activity': {
        if (step.when && !step.when(spec)) return;
        if (step.patchId && !patched(step.patchId)) return;
        const result = await runActivity(step.title, () => callActivity(step));
        if (step.rebootWhenResultSays && (result as { rebootNeeded?: boolean }).rebootNeeded) await rebootHost(`after ${step.title}`);
        if (step.approvalWhenResultSays && result.approvalNeeded) await waitForApproval(result.approvalNeeded);
        return;
      }
    }
  }

  // The summary is what the Web UI shows for the activity ("kubeadm join on worknode02").
  const callActivity = (step: ActivityStep) =>
    (byPolicy[step.policy][step.activity] as ActivityFunctionWithOptions<(r: HostRequest) => Promise<StepResult>>).executeWithOptions(
      { summary: `${step.title} on ${host}` },
      [{ ...req, ...(step.writes && { writes: step.writes }) }],
    );

  for (;;) {
    try {
      phaseScope = new CancellationScope();
      await phaseScope.run(async () => {
        for (const step of declaration.steps) await runStep(step);
      });
      const result = {
        changed: progress.changed,
        unchanged: progress.unchanged,
        ...(progress.warnings.length && { warnings: progress.warnings }),
      };
      // "done" rides on the result: the run learns of it from the child's completion, which it waits for
      // anyway. Waiting for a "done" signal's delivery before completing cost a workflow task on every
      // host of every phase, on the critical path at each phase's end. Runs recorded before replay as they ran.
      if (!patched('done-in-result')) {
        await report({ state: 'done', step: undefined });
        return result;
      }
      show({ state: 'done', step: undefined });
      return { ...result, doneReport: { run: workflowInfo().runId, seq: ++reports } };
    } catch (err) {
      // Aborted: the parent runs every registered compensation, this host's included.
      if (aborted && isCancellation(err)) throw abortedError();
      if (!(err instanceof ActivityFailure)) throw err;
      const failedStep = progress.step;
      // Undo what this phase did on this host, so it stays as it was while it waits. Every undo runs;
      // one that fails is named with the command that finishes it by hand.
      const undoFailures: string[] = [];
      await CancellationScope.nonCancellable(async () => {
        for (const c of [...localUndo].reverse())
          await undo.compensate.executeWithOptions(undoSummary(c), [{ spec, compensation: c }]).catch((e: unknown) => {
            undoFailures.push(`undo "${c.description}" failed (${failureMessage(e)}); ${manualUndo(c, BACKUP_ROOT)}`);
          });
      });
      localUndo = [];
      retryRequested = false;
      await report({ state: 'paused', step: failedStep, error: [failureMessage(err), ...undoFailures].join('\n') });
      await waitForOperator(() => retryRequested || aborted, `paused after: ${failureMessage(err)}`);
      if (aborted) throw abortedError();
      progress.changed = [];
      progress.unchanged = [];
    }
  }
}
