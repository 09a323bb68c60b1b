// The activity contract between workflows and workers, derived from the step registry. Workflows
// import this file with `import type` only.
import type { HostRequest } from '../contracts/activity-request';
import type { Compensation } from '../contracts/compensation';
import type { ClusterSpec } from '../inventory/spec';
import type { HOST_STEPS, HostStepName } from './registry';

export interface CompensateRequest {
  spec: ClusterSpec;
  compensation: Compensation;
}

export type HakubeActivities = {
  [K in HostStepName]: (req: HostRequest) => ReturnType<(typeof HOST_STEPS)[K]>;
} & {
  compensate(req: CompensateRequest): Promise<{ changed: boolean }>;
  /** The cluster's top-level operations running now besides `self` (scheduled runs included), from Temporal's visibility. */
  operationsRunning(req: { cluster: string; self: string }): Promise<{ workflowId: string; startTime: string }[]>;
};

export type { HostStepName };
