// Where an operation's time went, read from Temporal (like `systemd-analyze blame`): each phase's wall
// time (its first host workflow's start to its last one's close), each host's time in it, and every
// step (activity) with its time from scheduled to closed, retries included. Read after the fact from
// visibility and the host workflows' histories; nothing is recorded for it beforehand.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { activitySteps } from '../workflows/phase-model';
import { OPERATIONS, type OperationId } from '../workflows/operations';

export interface StepTiming {
  phase: string;
  host: string;
  /** The step's title as the plan prints it (the activity type when unknown). */
  step: string;
  seconds: number;
  attempts: number;
}

export interface PhaseTiming {
  id: string;
  /** When it started, seconds after the run started (phases that do not need each other overlap). */
  startSeconds: number;
  wallSeconds: number;
  /** Host -> seconds its workflow ran in this phase. */
  hosts: Record<string, number>;
}

export interface OperationTiming {
  workflowId: string;
  /** When the run started (ISO 8601, the server's clock): startSeconds count from here. */
  startedAt: string;
  wallSeconds: number | undefined;
  /** In the order the phases ran. */
  phases: PhaseTiming[];
  /** Slowest first. */
  steps: StepTiming[];
  /** The largest history of the run and its host workflows (Temporal warns at 10 MB and stops a workflow at 50 MB). */
  largestHistory: { workflowId: string; bytes: number; events: number };
}

const historySize = (workflowId: string, h: temporal.api.history.v1.IHistory) => ({
  workflowId,
  bytes: temporal.api.history.v1.History.encode(h).finish().length,
  events: h.events?.length ?? 0,
});

const seconds = (from: Date, to: Date) => (to.getTime() - from.getTime()) / 1000;
const eventTime = (e: temporal.api.history.v1.IHistoryEvent) => {
  const t = e.eventTime!;
  return new Date(Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6));
};

/** The step titles of an operation's phases, by activity type: what the plan and `up` call them. */
function titleOf(operation: OperationId, phase: string, activityType: string): string {
  const declaration = OPERATIONS[operation].find((p) => p.id === phase);
  return (declaration && activitySteps(declaration).find((s) => s.activity === activityType)?.title) ?? activityType;
}

/** The activities of one history: each from its scheduling to its completion, failure, timeout or cancel. */
export function activityTimes(
  events: temporal.api.history.v1.IHistoryEvent[],
): { type: string; seconds: number; attempts: number; scheduled: Date; closed: Date }[] {
  const scheduled = new Map<string, { type: string; at: Date }>();
  const out: { type: string; seconds: number; attempts: number; scheduled: Date; closed: Date }[] = [];
  for (const e of events) {
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) {
      scheduled.set(id, { type: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?', at: eventTime(e) });
      continue;
    }
    const closed =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskCanceledEventAttributes;
    const started =
      closed && 'startedEventId' in closed ? events.find((x) => String(x.eventId) === String(closed.startedEventId)) : undefined;
    const from = closed && scheduled.get(String(closed.scheduledEventId));
    if (from)
      out.push({
        type: from.type,
        seconds: seconds(from.at, eventTime(e)),
        attempts: started?.activityTaskStartedEventAttributes?.attempt ?? 1,
        scheduled: from.at,
        closed: eventTime(e),
      });
  }
  return out;
}

/** Activities the run itself calls (not a host workflow), shown as phases of their own. */
const RUN_STEP_TITLES: Record<string, string> = { checkStateRecord: 'state-record-check', recordState: 'state-record-write' };

export async function operationTiming(client: Client, operation: OperationId, handle: WorkflowHandle): Promise<OperationTiming> {
  const description = await handle.describe();
  const wallSeconds = description.closeTime ? seconds(description.startTime, description.closeTime) : undefined;
  // Host workflows of this run only (the ids repeat in every run of the operation).
  const children: { id: string; phase: string; host: string; start: Date; close?: Date }[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH '${handle.workflowId}/'` })) {
    if (w.parentExecution?.runId !== description.runId) continue;
    const [, phase, host] = w.workflowId.slice(handle.workflowId.length).split('/');
    if (phase && host) children.push({ id: w.workflowId, phase, host, start: w.startTime, close: w.closeTime });
  }
  const byPhase = new Map<string, Omit<PhaseTiming, 'startSeconds'> & { start: Date }>();
  for (const c of children.sort((a, b) => a.start.getTime() - b.start.getTime())) {
    const end = c.close ?? new Date();
    const p = byPhase.get(c.phase) ?? { id: c.phase, wallSeconds: 0, hosts: {}, start: c.start };
    p.hosts[c.host] = seconds(c.start, end);
    p.wallSeconds = Math.max(p.wallSeconds, seconds(p.start, end));
    byPhase.set(c.phase, p);
  }
  const own = await handle.fetchHistory();
  let largestHistory = historySize(handle.workflowId, own);
  // The run's own activities before and after its phases (the install's state record): a phase of their own.
  const ownSteps = activityTimes(own.events ?? []).filter((a) => a.type in RUN_STEP_TITLES);
  for (const [type, title] of Object.entries(RUN_STEP_TITLES)) {
    const of = ownSteps.filter((a) => a.type === type);
    if (!of.length) continue;
    const start = Math.min(...of.map((a) => a.scheduled.getTime()));
    const wall = (Math.max(...of.map((a) => a.closed.getTime())) - start) / 1000;
    byPhase.set(title, { id: title, wallSeconds: wall, hosts: {}, start: new Date(start) });
  }
  const steps = (
    await Promise.all(
      children.map(async (c) => {
        const history = await client.workflow.getHandle(c.id).fetchHistory();
        const size = historySize(c.id, history);
        if (size.bytes > largestHistory.bytes) largestHistory = size;
        return activityTimes(history.events ?? []).map((a) => ({
          phase: c.phase,
          host: c.host,
          step: titleOf(operation, c.phase, a.type),
          seconds: a.seconds,
          attempts: a.attempts,
        }));
      }),
    )
  ).flat();
  for (const a of ownSteps)
    steps.push({ phase: RUN_STEP_TITLES[a.type]!, host: '-', step: a.type, seconds: a.seconds, attempts: a.attempts });
  return {
    workflowId: handle.workflowId,
    startedAt: description.startTime.toISOString(),
    wallSeconds,
    phases: [...byPhase.values()]
      .sort((a, b) => a.start.getTime() - b.start.getTime())
      .map(({ id, wallSeconds: w, hosts, start }) => ({ id, startSeconds: seconds(description.startTime, start), wallSeconds: w, hosts })),
    steps: steps.sort((a, b) => b.seconds - a.seconds),
    largestHistory,
  };
}

/** The report `hakube status --timing` prints: phases in order, then the slowest steps. */
export function timingReport(t: OperationTiming, top = 15): string {
  const f = (s: number) => `${s.toFixed(1)} s`.padStart(9);
  const lines = [`${t.workflowId}: ${t.wallSeconds === undefined ? 'still running' : `${t.wallSeconds.toFixed(1)} s wall`}`, ''];
  lines.push(`${'PHASE'.padEnd(22)} ${'START'.padStart(9)} ${'WALL'.padStart(9)}  HOSTS  SLOWEST HOST`);
  for (const p of t.phases) {
    const [host, s] = Object.entries(p.hosts).sort((a, b) => b[1] - a[1])[0] ?? ['-', 0];
    lines.push(
      `${p.id.padEnd(22)} ${`+${p.startSeconds.toFixed(1)} s`.padStart(9)} ${f(p.wallSeconds)}  ${String(Object.keys(p.hosts).length).padStart(5)}  ${host} (${s.toFixed(1)} s)`,
    );
  }
  const h = t.largestHistory;
  lines.push('', `Largest history: ${h.workflowId}, ${(h.bytes / 1024).toFixed(0)} KiB, ${h.events} events`);
  lines.push('', `Slowest steps (of ${t.steps.length}):`);
  for (const s of t.steps.slice(0, top))
    lines.push(`${f(s.seconds)}  ${s.phase.padEnd(22)} ${s.host.padEnd(12)} ${s.step}${s.attempts > 1 ? ` (${s.attempts} attempts)` : ''}`);
  return lines.join('\n');
}
