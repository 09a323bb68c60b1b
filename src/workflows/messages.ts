// Signals, updates and queries of the operation workflows. Operators talk only to the parent
// (installCluster); the parent forwards to the host workflows, which report back to it.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Compensation } from '../contracts/compensation';
import type { HostReport, Progress } from '../contracts/progress';
import type { ReportMark } from './engine/report-order';

export const progressQuery = defineQuery<Progress>('progress');

// Operator -> parent (updates, so a wrong request is refused with a reason instead of ignored).
export interface HostSelection {
  hosts?: string[];
  all?: boolean;
}
export const approveRebootUpdate = defineUpdate<string[], [HostSelection]>('approveReboot');
export const retryUpdate = defineUpdate<string[], [HostSelection]>('retry');
export const abortUpdate = defineUpdate<string, [{ reason?: string }]>('abort');

// Operator -> parent as Signals, for the Web UI's "Send a Signal" and `temporal workflow signal` (named
// after the CLI's commands; input {"hosts": ["worknode02"]} or {"all": true}): the same handlers as the
// updates above. A Signal has no answer, so a refused one is recorded in the progress and the run's details.
export const operatorSignals = {
  approve: defineSignal<[HostSelection?]>('approve'),
  retry: defineSignal<[HostSelection?]>('retry'),
  abort: defineSignal<[{ reason?: string }?]>('abort'),
} as const;
export type OperatorSignal = keyof typeof operatorSignals;

// Host workflow -> parent.
export const hostReportSignal = defineSignal<[HostReport]>('hostReport');
export const registerCompensationSignal = defineSignal<[Compensation]>('registerCompensation');

// Parent -> host workflow. An approval names the newest report of the host workflow the run had taken
// when the operator approved: the host takes it only for a wait that report shows (or a later one of the
// same wait), not for a wait that began after it. Absent: sent by an older hakube, taken as before.
export const approveSignal = defineSignal<[ReportMark?]>('approveReboot');
export const retrySignal = defineSignal('retry');
export const abortSignal = defineSignal('abort');
