// The engine every operation runs on (after samples-typescript's safe-message-handlers: the workflow
// function is a thin shell, this manager holds the state). It walks an operation's phases in order,
// fans each out over its hosts as child workflows (in parallel, or one at a time), forwards the
// operator's approve/retry/abort to the host workflows, keeps the compensation stack, and on abort or
// failure runs every registered compensation, newest first.
import {
  ApplicationFailure,
  CancellationScope,
  executeChild,
  type SignalDefinition,
  getExternalWorkflowHandle,
  patched,
  setCurrentDetails,
  workflowInfo,
} from '@temporalio/workflow';
import type { ClusterSpec } from '../../inventory/spec';
import type { OperationOptions } from '../../contracts/activity-request';
import { compensationFor, compensationKey, manualUndo, type Compensation } from '../../contracts/compensation';
import { BACKUP_ROOT } from '../../contracts/remote-files';
import { runTag } from '../../contracts/workflow-ids';
import { CLUSTER_ATTRIBUTE, hostAttributes, operationAttributes } from '../../contracts/search-attributes';
import type { SearchAttributePair } from '@temporalio/common';
import type { HostPhaseResult, HostReport, HostState, OperationResult, Progress } from '../../contracts/progress';
import { batchesOf, leadingUndoSteps, phaseNeeds, type PhaseDeclaration } from '../phase-model';
import { markOf, overtaken, type ReportMark } from './report-order';
import { OPERATIONS, phasesToRun, type OperationId } from '../operations';
import { ABORTED, ABORTED_WITH_ERRORS, hostPhase } from './host-phase';
import { undo, undoSummary } from '../activity-options';
import { failureMessage } from '../failure-message';
import { lastInstallHolds, recordInstall } from './state-record';
import { abortSignal, approveSignal, retrySignal, type HostSelection, type OperatorSignal } from '../messages';

/** lastReports' key: one host workflow per phase and host. */
const reportKey = (t: { phase: string; host: string }) => `${t.phase}/${t.host}`;

export interface OperationInput {
  spec: ClusterSpec;
  /** For unattended runs (the demo, CI): reboots do not wait for `hakube approve`. */
  autoApproveReboots?: boolean;
  /** Run only these phases (e.g. re-run one phase, or prepare hosts without Kubernetes yet). */
  onlyPhases?: string[];
  /** Only these hosts (e.g. `hakube reset HOST...`); every host of each phase when absent. */
  hosts?: string[];
  /** The operator's choices (e.g. reset's --wipe-etcd, --purge), passed to every step. */
  options?: OperationOptions;
  /** Unattended runs (a Schedule's): a host paused, or waiting for an approval, this long with nobody
   * answering gives up and the run ends (its undo run), instead of holding the next run back for ever. */
  waitLimitSeconds?: number;
  /** install: run every step even when every host is as the last full install left it (`up --full`). */
  full?: boolean;
}

export const childWorkflowId = (parentId: string, phase: string, host: string) => `${parentId}/${phase}/${host}`;

export class OperationRun {
  readonly progress: Progress;
  private readonly compensations: Compensation[] = [];
  /** The newest report taken per phase/host (see onHostReport). */
  private readonly lastReports = new Map<string, ReportMark>();
  /** A run recorded by an older worker took every report (marked ones too, from newer host workflows): it replays so. */
  private readonly dropOvertakenReports = patched('report-order');
  /** Runs recorded by an older worker waited for each host workflow to register its undo steps: they replay so. */
  private readonly registersLeadingUndo = patched('run-registers-leading-undo');
  private aborting = false;
  /** Set once a phase that creates the cluster has finished (see undoAll). */
  private clusterExists = false;
  private readonly self = workflowInfo().workflowId;
  /** Backups of this run are kept apart from earlier runs' on each host. */
  private readonly backupTag: string;
  private readonly toRun: PhaseDeclaration[];

  constructor(
    private readonly operation: OperationId,
    private readonly input: OperationInput,
  ) {
    const { spec } = input;
    // Runs started before the whole run id was the tag keep their 8-character tag (their backups are there).
    const { runId } = workflowInfo();
    this.backupTag = patched('run-tag-whole-run-id') ? runTag(spec.name, runId) : `${spec.name}-${runId.slice(0, 8)}`;
    // A phase none of the selected hosts take part in is left out (e.g. `reset worknode01`: no etcd).
    this.toRun = phasesToRun(operation, spec, input.onlyPhases).filter(
      (p) => (!p.patchId || patched(p.patchId)) && this.hostsOf(p).length > 0,
    );
    const runs = new Set(this.toRun.map((p) => p.id));
    this.progress = {
      cluster: spec.name,
      operation,
      status: 'running',
      compensationsRegistered: 0,
      compensationsRun: [],
      phases: OPERATIONS[operation].map((p) => ({
        id: p.id,
        title: p.title,
        state: runs.has(p.id) ? 'pending' : 'skipped',
        hosts: Object.fromEntries((runs.has(p.id) ? this.hostsOf(p) : []).map((h) => [h, { state: 'pending' as HostState }])),
      })),
    };
  }

  // --- handlers (the workflow registers them) ---

  onHostReport(report: HostReport): void {
    const { phase, host, progress: hp } = report;
    const mark = markOf(report);
    if (this.dropOvertakenReports && overtaken(this.lastReportOf({ phase, host }), mark)) return;
    if (mark) this.lastReports.set(reportKey({ phase, host }), mark);
    const p = this.progress.phases.find((x) => x.id === phase);
    if (p) p.hosts[host] = hp;
    this.refreshStatus();
  }

  onRegisterCompensation(c: Compensation): void {
    // A phase run again (retry) registers its undo steps again: keep each once.
    if (this.compensations.some((x) => compensationKey(x) === compensationKey(c))) return;
    this.compensations.push(c);
    this.progress.compensationsRegistered = this.compensations.length;
  }

  // Each approval names the report it answers: the run's view may lag the host, which may have gone on to
  // a later wait already (a second approval sent quickly would otherwise approve that one, unseen).
  approve = (sel: HostSelection) =>
    this.forward(this.select(sel, 'waiting-approval', 'waiting for an approval'), approveSignal, (t) => [this.lastReportOf(t)]);

  validateApprove = (sel: HostSelection) => void this.select(sel, 'waiting-approval', 'waiting for an approval');
  retry = (sel: HostSelection) => this.forward(this.select(sel, 'paused', 'paused after a failure'), retrySignal);
  validateRetry = (sel: HostSelection) => void this.select(sel, 'paused', 'paused after a failure');

  /** The mark of the newest report taken from the host workflow of this phase and host (report-order.ts). */
  private lastReportOf(t: { phase: string; host: string }): ReportMark | undefined {
    return this.lastReports.get(reportKey(t));
  }

  async abort(): Promise<string> {
    this.aborting = true;
    this.progress.status = 'aborting';
    const live = [...this.hostsIn('running'), ...this.hostsIn('paused'), ...this.hostsIn('waiting-approval')];
    // A host workflow may end between its last report and this signal (ExternalWorkflowExecutionNotFound):
    // it has nothing left to stop, so the abort goes on for the others.
    await Promise.allSettled(live.map((t) => this.forward([t], abortSignal)));
    return `aborting: ${live.length} host workflow(s) told to stop, then ${this.compensations.length} compensation(s) run newest first`;
  }

  validateAbort(): void {
    if (this.aborting) throw new Error(`the ${this.operation} is already aborting`);
    if (this.progress.status === 'completed') throw new Error(`the ${this.operation} has completed: nothing to abort`);
  }

  /**
   * approve, retry or abort sent as a Signal (the Web UI, `temporal workflow signal`): checked and done as
   * the Update would; refused, the reason goes into the progress (`hakube status`, `up`) and the run's details.
   */
  async onOperatorSignal(kind: OperatorSignal, sel: HostSelection = {}): Promise<void> {
    try {
      if (kind === 'abort') {
        this.validateAbort();
        await this.abort();
      } else if (kind === 'approve') await this.approve(sel);
      else await this.retry(sel);
    } catch (err) {
      const refusals = (this.progress.refusedSignals ??= []);
      refusals.push(`signal ${kind} ${JSON.stringify(sel).slice(0, 200)} refused: ${failureMessage(err)}`);
      refusals.splice(0, refusals.length - 5); // the last few are enough
      setCurrentDetails(this.currentDetails());
    }
  }

  // --- the run ---

  async execute(): Promise<OperationResult> {
    const { spec } = this.input;
    const result: OperationResult = { cluster: spec.name, phases: [] };
    // A whole install (not `--only`, not some hosts) first asks every host whether the last full install's
    // record still holds; if so nothing runs (nothing is taken down either: no HA check).
    const whole = this.operation === 'install' && !this.input.onlyPhases && !this.input.hosts;
    if (whole && !this.input.full && patched('install-state-record')) {
      const last = await lastInstallHolds(spec, this.backupTag);
      if (last.holds) return this.unchanged(result, { run: last.run, at: last.at });
      result.stateRecord = `every step ran: ${last.why}`;
    }
    // Runs recorded before phases could run at once replay one phase after the other, in the list's order.
    const failure = patched('phase-needs') ? await this.runAsNeeded(result) : await this.runInOrder(result);
    if (this.aborting || failure) await this.undoAll(failure?.reason);
    if (whole && patched('install-state-record')) {
      const missing = await recordInstall(spec, this.backupTag);
      if (missing) result.stateRecord = missing;
    }
    this.progress.status = 'completed';
    return result;
  }

  /** Every phase, one after the other; the first failure ends the run. */
  private async runInOrder(result: OperationResult): Promise<{ reason: unknown } | undefined> {
    for (const phase of this.toRun) {
      if (this.aborting) break;
      const outcome = await this.runPhase(phase, this.quiet(phase, result));
      if ('failure' in outcome) return { reason: outcome.failure };
      this.phaseDone(result, phase, outcome.hosts);
    }
    return undefined;
  }

  /**
   * Each phase as soon as the phases it needs are done (phaseNeeds), several at once where the operation
   * allows. After a failure or an abort no phase starts; the ones running are waited for (a host paused
   * there waits for the operator's retry or abort as always), then the run undoes.
   */
  private async runAsNeeded(result: OperationResult): Promise<{ reason: unknown } | undefined> {
    const needs = phaseNeeds(OPERATIONS[this.operation], this.toRun, patched);
    const done = new Set<string>();
    const running = new Map<string, Promise<void>>();
    let failure: { reason: unknown } | undefined;
    for (;;) {
      if (!this.aborting && !failure)
        for (const phase of this.toRun) {
          if (done.has(phase.id) || running.has(phase.id) || !needs.get(phase.id)!.every((id) => done.has(id))) continue;
          const run = this.runPhase(phase, this.quiet(phase, result)).then((outcome) => {
            running.delete(phase.id);
            if ('failure' in outcome) failure ??= { reason: outcome.failure };
            else {
              this.phaseDone(result, phase, outcome.hosts);
              done.add(phase.id);
            }
          });
          running.set(phase.id, run);
        }
      if (!running.size) break;
      await Promise.race(running.values());
    }
    // Needs that can never be met (a cycle, a bug in the declarations) must not pass for a finished run.
    const never = this.toRun.filter((p) => !done.has(p.id)).map((p) => p.id);
    if (!failure && !this.aborting && never.length)
      failure = { reason: new Error(`phases never started (their needs were never met): ${never.join(', ')}`) };
    // The result lists phases in the operation's order, whichever ended first.
    const order = this.toRun.map((p) => p.id);
    result.phases.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
    return failure;
  }

  private phaseDone(result: OperationResult, phase: PhaseDeclaration, hosts: Record<string, HostPhaseResult>): void {
    result.phases.push({ id: phase.id, hosts });
    if (phase.createsCluster || phase.pointOfNoReturn) this.clusterExists = true;
  }

  /** No step ran: every phase is shown done, the result says since when nothing has changed. */
  private unchanged(result: OperationResult, since: { run: string; at: string }): OperationResult {
    for (const p of this.progress.phases)
      if (p.state === 'pending') {
        p.state = 'done';
        for (const h of Object.values(p.hosts)) h.state = 'done';
      }
    this.progress.status = 'completed';
    setCurrentDetails(`install of ${this.input.spec.name}: nothing changed since ${since.run} (${since.at})`);
    return { ...result, unchangedSince: since };
  }

  /**
   * A disturbing check (onlyAfterChange) after phases that changed nothing, not asked for by name:
   * it runs quiet, i.e. its step repeats the check only if it never passed for these hosts.
   */
  private quiet(phase: PhaseDeclaration, sofar: OperationResult): boolean {
    if (!phase.onlyAfterChange || this.input.onlyPhases?.includes(phase.id)) return false;
    // Only the phases listed before it: those after it in the list (the add-ons) now finish before it
    // too, and a changed add-on is no reason to stop an API server.
    const list = OPERATIONS[this.operation].map((p) => p.id);
    const changed = sofar.phases
      .filter((p) => list.indexOf(p.id) < list.indexOf(phase.id))
      .some((p) => Object.values(p.hosts).some((h) => h.changed.length > 0));
    // Runs recorded before this rule ran the check in full whatever happened: they replay as they ran.
    return !changed && patched('disturbing-checks-quiet-after-no-change');
  }

  private async runPhase(
    phase: PhaseDeclaration,
    quiet = false,
  ): Promise<{ hosts: Record<string, HostPhaseResult> } | { failure: unknown }> {
    const p = this.progress.phases.find((x) => x.id === phase.id)!;
    p.state = 'running';
    this.refreshStatus();
    const hosts = this.hostsOf(phase);
    const outcomes: PromiseSettledResult<HostPhaseResult>[] = [];
    // Groups that run at once, one group after the other; a failed group ends the phase.
    const fanout = phase.fanoutBefore && !patched(phase.fanoutBefore.patchId) ? phase.fanoutBefore.fanout : phase.fanout;
    const groups =
      fanout === 'parallel' ? [hosts] : fanout === 'batches' ? batchesOf(hosts, this.input.options?.upgradeBatch) : hosts.map((h) => [h]);
    for (const group of groups) {
      // An abort between two groups (batches, or hosts one at a time) starts no further group; runs
      // recorded before this check replay as they ran.
      if (this.aborting && patched('abort-between-groups')) break;
      const settled = await Promise.allSettled(group.map((h) => this.runOnHost(phase, h, quiet)));
      outcomes.push(...settled);
      if (settled.some((o) => o.status === 'rejected')) break;
    }
    const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (!rejected && outcomes.length < hosts.length) {
      // Stopped between groups by an abort: the hosts not started stay pending, the run undoes.
      p.state = 'failed';
      return { failure: new Error(`aborted before ${hosts.slice(outcomes.length).join(', ')}`) };
    }
    if (rejected) {
      p.state = 'failed';
      hosts.forEach((h, i) => {
        if (outcomes[i]?.status === 'rejected') p.hosts[h] = { ...p.hosts[h], state: 'failed' };
      });
      return { failure: rejected.reason };
    }
    p.state = 'done';
    return { hosts: Object.fromEntries(hosts.map((h, i) => [h, (outcomes[i] as PromiseFulfilledResult<HostPhaseResult>).value])) };
  }

  /** A host workflow's search attributes: the run's (cluster, operation; when it has them), its phase and host. */
  private searchAttributesFor(phase: string, host: string): { typedSearchAttributes?: SearchAttributePair[] } {
    const cluster = workflowInfo().typedSearchAttributes.get(CLUSTER_ATTRIBUTE);
    if (cluster === undefined || !patched('host-search-attributes')) return {};
    return {
      typedSearchAttributes: hostAttributes(operationAttributes(cluster, this.operation), phase, host),
    };
  }

  /** The phase's hosts, narrowed to the operator's selection when there is one. */
  private hostsOf(phase: PhaseDeclaration): string[] {
    const all = phase.hosts(this.input.spec, this.input.options);
    const only = this.input.hosts;
    return only ? all.filter((h) => only.includes(h)) : all;
  }

  private runOnHost(phase: PhaseDeclaration, host: string, quiet: boolean): Promise<HostPhaseResult> {
    const { spec, autoApproveReboots, options, waitLimitSeconds } = this.input;
    // Registered before the host workflow starts, so they hold from its first step (see leadingUndoSteps).
    if (this.registersLeadingUndo)
      for (const step of leadingUndoSteps(phase))
        this.onRegisterCompensation(compensationFor(step.undo, { host, phase: phase.id, backupTag: this.backupTag }));
    const done = (r: HostPhaseResult): HostPhaseResult => {
      const { doneReport, ...result } = r;
      // The host workflow's "done" report, sent as its result (host-phase.ts): taken like a signalled one.
      if (doneReport)
        this.onHostReport({
          phase: phase.id,
          host,
          progress: { state: 'done', ...result, warnings: result.warnings ?? [] },
          ...doneReport,
        });
      return result;
    };
    return executeChild(hostPhase, {
      workflowId: childWorkflowId(this.self, phase.id, host),
      // What the Web UI lists for the child: "join-workers on worknode02", and the phase's title.
      staticSummary: `${phase.id} on ${host}`,
      staticDetails: phase.title,
      ...this.searchAttributesFor(phase.id, host),
      args: [
        {
          spec,
          ...(this.operation !== 'install' && { operation: this.operation }),
          phase: phase.id,
          host,
          backupTag: this.backupTag,
          autoApproveReboots: !!autoApproveReboots,
          ...(quiet && { quiet }),
          ...(options && { options }),
          ...(waitLimitSeconds !== undefined && { waitLimitSeconds }),
          // Only the install's steps look ahead (packages-ahead.ts).
          ...(this.operation === 'install' && { runPhases: this.toRun.map((p) => p.id) }),
          ...(this.registersLeadingUndo && { leadingUndoRegistered: true }),
        },
      ],
    }).then(done);
  }

  /**
   * Undoes what was registered, newest first, every undo to its end even when one fails (each failure
   * is recorded with the command that finishes it by hand). Before the cluster exists, everything is
   * undone; once it exists (a phase with `createsCluster` finished), only the work of hosts that had
   * not finished the phase in flight, so an abort late leaves a working cluster. Nothing here may be
   * cancelled halfway.
   */
  private async undoAll(failure: unknown): Promise<never> {
    const unfinished = (c: Compensation) => this.progress.phases.find((p) => p.id === c.phase)?.hosts[c.host]?.state !== 'done';
    const todo = this.clusterExists ? this.compensations.filter(unfinished) : this.compensations;
    const failed: string[] = [];
    await CancellationScope.nonCancellable(async () => {
      for (const c of [...todo].reverse()) {
        try {
          await undo.compensate.executeWithOptions(undoSummary(c), [{ spec: this.input.spec, compensation: c }]);
          this.progress.compensationsRun.push(`${c.host}: ${c.description}`);
        } catch (err) {
          failed.push(`${c.host}: ${c.description}: ${failureMessage(err)}; finish it ${manualUndo(c, BACKUP_ROOT)}`);
        }
      }
    });
    this.progress.compensationsFailed = failed;
    this.progress.status = failed.length ? 'aborted-with-errors' : 'aborted';
    const why = this.aborting ? 'aborted by the operator' : `failed: ${failureMessage(failure)}`;
    const scope = this.clusterExists ? 'the cluster exists, so only the phase in flight was undone; ' : '';
    const errors = failed.length ? `; ${failed.length} undo step(s) FAILED:\n  ${failed.join('\n  ')}` : '';
    throw ApplicationFailure.nonRetryable(
      `${this.operation} of ${this.input.spec.name} ${why}; ${scope}${todo.length - failed.length} of ${todo.length} compensation(s) run${errors}`,
      failed.length ? ABORTED_WITH_ERRORS : ABORTED,
    );
  }

  // --- host selection for the operator's requests ---

  private hostsIn(state: HostState) {
    return this.progress.phases.flatMap((p) =>
      Object.entries(p.hosts)
        .filter(([, h]) => h.state === state)
        .map(([host]) => ({ phase: p.id, host })),
    );
  }

  private refreshStatus(): void {
    if (this.aborting || this.progress.status === 'completed') return;
    this.progress.status = this.hostsIn('paused').length
      ? 'paused'
      : this.hostsIn('waiting-approval').length
        ? 'waiting-approval'
        : 'running';
    setCurrentDetails(this.currentDetails());
  }

  /** The Web UI's "current details" of the run: the phase in flight, its hosts' steps, who waits for the operator. */
  private currentDetails(): string {
    const lines = [`${this.operation} of ${this.input.spec.name}: ${this.progress.status}`];
    for (const phase of this.progress.phases.filter((p) => p.state === 'running')) {
      lines.push(`phase ${phase.id}: ${phase.title}`);
      for (const [host, h] of Object.entries(phase.hosts))
        if (h.state !== 'pending') lines.push(`- ${host}: ${h.state}${h.step ? ` (${h.step})` : ''}`);
    }
    const waiting = this.hostsIn('waiting-approval').map((t) => t.host);
    const paused = this.hostsIn('paused').map((t) => t.host);
    if (waiting.length) lines.push(`waiting for \`hakube approve\`: ${waiting.join(', ')}`);
    if (paused.length) lines.push(`paused (\`hakube retry\` or \`hakube abort\`): ${paused.join(', ')}`);
    const refused = this.progress.refusedSignals?.at(-1);
    if (refused) lines.push(refused);
    return lines.join('\n');
  }

  private select(sel: HostSelection, state: HostState, what: string) {
    const candidates = this.hostsIn(state);
    if (sel.all) {
      if (!candidates.length) throw new Error(`no host is ${what}`);
      return candidates;
    }
    if (!sel.hosts?.length) throw new Error('name the hosts, or use --all');
    for (const h of sel.hosts)
      if (!candidates.some((c) => c.host === h)) {
        const known = this.input.spec.hosts.some((x) => x.name === h);
        throw new Error(known ? `${h} is not ${what}` : `${h} is not a host of cluster ${this.input.spec.name}`);
      }
    return candidates.filter((c) => sel.hosts!.includes(c.host));
  }

  private async forward<Args extends unknown[]>(
    targets: { phase: string; host: string }[],
    signal: SignalDefinition<Args>,
    argsOf: (t: { phase: string; host: string }) => Args = () => [] as unknown[] as Args,
  ): Promise<string[]> {
    await Promise.all(
      targets.map((t) => getExternalWorkflowHandle(childWorkflowId(this.self, t.phase, t.host)).signal(signal, ...argsOf(t))),
    );
    return targets.map((t) => t.host);
  }
}
