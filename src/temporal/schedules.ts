// Recurring operations as Temporal Schedules (visible on the Web UI's Schedules page): a backup every
// N hours, a certificate check-and-renew every day. Overlap SKIP (a run still going, or paused for the
// operator, makes the next one skip its turn) and a catch-up window, so a worker that was down runs one
// missed run, not a burst of them.
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { operationAttributes } from '../contracts/search-attributes';
import { searchAttributesUsable } from './search-attributes';
import type { ClusterSpec } from '../inventory/spec';
import type { OperationOptions } from '../contracts/activity-request';
import type { OperationInput } from '../workflows/engine/operation-run';
import type { OperationId } from '../workflows/operations';
import { OPERATION_WORKFLOW_TYPES, operationSummary, operationWorkflowId } from './client';

/** Shorter intervals are refused: each run is a full snapshot streamed to the operator's machine. */
export const MIN_SCHEDULE_INTERVAL_MS = 10_000;

/** The operations that may recur. */
export const SCHEDULED_OPERATIONS = ['backup', 'renew-certs'] as const satisfies readonly OperationId[];
export type ScheduledOperation = (typeof SCHEDULED_OPERATIONS)[number];

export const scheduleIdOf = (cluster: string, operation: ScheduledOperation) => `${operationWorkflowId(cluster, operation)}-schedule`;

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "every 12h", "12h", "30m", "1d": an interval for the schedule, in milliseconds. */
export function parseInterval(text: string): number {
  const m = /^\s*(?:every\s+)?(\d+)\s*([smhd])\s*$/i.exec(text);
  const value = m ? Number(m[1]) * UNIT_MS[m[2]!.toLowerCase() as keyof typeof UNIT_MS] : NaN;
  if (!(value >= MIN_SCHEDULE_INTERVAL_MS))
    throw new Error(`--schedule ${JSON.stringify(text)}: an interval such as "every 12h", "30m" or "1d" (at least 10s)`);
  return value;
}

/** 43200000 -> "12h" (the largest unit that divides it). */
export function formatInterval(msValue: number): string {
  const unit = (['d', 'h', 'm', 's'] as const).find((u) => msValue % UNIT_MS[u] === 0) ?? 's';
  return `${Math.round(msValue / UNIT_MS[unit])}${unit}`;
}

/** Creates the cluster's schedule of this operation, or updates it (interval, options, inventory). */
export async function scheduleOperation(
  client: Client,
  spec: ClusterSpec,
  options: { operation: ScheduledOperation; taskQueue: string; everyMs: number; options: OperationOptions },
): Promise<{ scheduleId: string; created: boolean }> {
  const scheduleId = scheduleIdOf(spec.name, options.operation);
  // A run paused or waiting for approval gives up when the next one is due (see waitLimitSeconds).
  const input: OperationInput = { spec, options: options.options, waitLimitSeconds: Math.round(options.everyMs / 1000) };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: OPERATION_WORKFLOW_TYPES[options.operation],
    // Temporal appends the scheduled time to this id for each run.
    workflowId: operationWorkflowId(spec.name, options.operation),
    taskQueue: options.taskQueue,
    args: [input],
    staticSummary: `scheduled ${operationSummary(spec, options.operation)}`,
    ...((await searchAttributesUsable(client)) && { typedSearchAttributes: operationAttributes(spec.name, options.operation) }),
  };
  const when = { intervals: [{ every: options.everyMs }] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: UNIT_MS.h };
  try {
    await client.schedule.create({ scheduleId, spec: when, action, policies, memo: { cluster: spec.name } });
    return { scheduleId, created: true };
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec: when, action, policies }));
    return { scheduleId, created: false };
  }
}

export interface ScheduleSummary {
  scheduleId: string;
  every: string;
  paused: boolean;
  nextRuns: Date[];
  recentRuns: { at: Date; workflowId: string }[];
}

/** The cluster's schedules (backup, certificate renewal), those that exist. */
export async function schedulesOf(client: Client, cluster: string): Promise<ScheduleSummary[]> {
  const out: ScheduleSummary[] = [];
  for (const scheduleId of SCHEDULED_OPERATIONS.map((op) => scheduleIdOf(cluster, op))) {
    try {
      const d = await client.schedule.getHandle(scheduleId).describe();
      const every = d.spec.intervals?.[0]?.every;
      out.push({
        scheduleId,
        every: every === undefined ? '?' : formatInterval(Number(every)),
        paused: d.state.paused,
        nextRuns: d.info.nextActionTimes,
        recentRuns: d.info.recentActions.map((a) => ({ at: a.takenAt, workflowId: a.action.workflow.workflowId })),
      });
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }
  return out;
}

export async function deleteSchedule(client: Client, scheduleId: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).delete();
}
