// Signals, updates and queries of the install workflows. Operators talk only to the parent
// (installCluster); the parent forwards to the host workflows, which report back to it.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Compensation } from '../activities/types';
import type { PhaseId } from './phases';

export type HostState = 'pending' | 'running' | 'waiting-approval' | 'done' | 'failed' | 'paused' | 'skipped';

export interface HostProgress {
  state: HostState;
  /** The step running, waiting or failed. */
  step?: string;
  /** Why it paused (the last error, secrets never included). */
  error?: string;
  /** Steps that changed something / found the host as wanted. */
  changed?: string[];
  unchanged?: string[];
}

export interface PhaseProgress {
  id: PhaseId;
  title: string;
  state: 'pending' | 'running' | 'done' | 'skipped' | 'failed';
  hosts: Record<string, HostProgress>;
}

export type RunStatus = 'running' | 'paused' | 'waiting-approval' | 'completed' | 'aborting' | 'aborted';

export interface Progress {
  cluster: string;
  status: RunStatus;
  phases: PhaseProgress[];
  compensationsRegistered: number;
  compensationsRun: string[];
}

/** Host workflow -> parent. */
export interface HostReport {
  phase: PhaseId;
  host: string;
  progress: HostProgress;
}

export const progressQuery = defineQuery<Progress>('progress');

// Operator -> parent (updates, so a wrong request is refused with a reason instead of ignored).
export interface HostSelection {
  hosts?: string[];
  all?: boolean;
}
export const approveRebootUpdate = defineUpdate<string[], [HostSelection]>('approveReboot');
export const retryUpdate = defineUpdate<string[], [HostSelection]>('retry');
export const abortUpdate = defineUpdate<string, [{ reason?: string }]>('abort');

// Host workflow -> parent.
export const hostReportSignal = defineSignal<[HostReport]>('hostReport');
export const registerCompensationSignal = defineSignal<[Compensation]>('registerCompensation');

// Parent -> host workflow.
export const approveSignal = defineSignal('approveReboot');
export const retrySignal = defineSignal('retry');
export const abortSignal = defineSignal('abort');
