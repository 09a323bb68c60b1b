// Activity proxies by kind of work: each kind has its own timeouts and retry policy. A phase step
// names its kind (StepPolicy); reboots and undo steps have their own.
//
// Every host step heartbeats on a timer (activities/host/step-runner.ts), so every kind has a short
// heartbeat timeout: a dead worker's step is retried by a new worker within ~20 s instead of waiting
// for the step's whole start-to-close timeout. Cancellation waits for the step to stop (its remote
// commands killed) before the workflow goes on, so an undo never runs beside the step it undoes.
import { ActivityCancellationType, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { HakubeActivities } from '../activities/types';
import type { StepPolicy } from './phase-model';
import type { Compensation } from '../contracts/compensation';

const common: ActivityOptions = {
  heartbeatTimeout: '15 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
};

/** Short, idempotent edits and checks: retried a few times quickly. */
const quick = proxyActivities<HakubeActivities>({
  ...common,
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 4 },
});

/** Package installs, kubeadm, manifests: minutes long. */
const long = proxyActivities<HakubeActivities>({
  ...common,
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 3 },
});

/** Waiting for the cluster to converge (etcd quorum, API ready, node Ready): many patient attempts. */
const gate = proxyActivities<HakubeActivities>({
  ...common,
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '3s', backoffCoefficient: 1.5, maximumInterval: '20s', maximumAttempts: 30 },
});

/** Steps that disturb the cluster on purpose (the HA check stops an API server): never repeated by
 * a retry policy; after a failure the host pauses and the operator decides. A worker that dies is
 * still noticed by the heartbeat timeout: the step then pauses the host too. */
const once = proxyActivities<HakubeActivities>({
  ...common,
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 1 },
});

/** Read-only checks that decide whether work is needed at all (the state record): a host that does not
 * answer at once is not waited for, the full run that follows deals with it. */
export const probe = proxyActivities<HakubeActivities>({
  ...common,
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumAttempts: 2 },
});

export const byPolicy: Record<StepPolicy, HakubeActivities> = { quick, long, gate, once };

/** A reboot and the wait for the host to come back (the boot marker in the input keeps it to one). */
export const reboot = proxyActivities<HakubeActivities>({
  ...common,
  startToCloseTimeout: '20 minutes',
  retry: { initialInterval: '5s', maximumAttempts: 3 },
});

/** Undo steps: must get through, so retried longer. */
export const undo = proxyActivities<HakubeActivities>({
  ...common,
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** The Web UI's line for an undo activity: "undo on worknode02: restore /etc/kubernetes/kubelet.conf ...". */
export const undoSummary = (c: Compensation): ActivityOptions => ({ summary: `undo on ${c.host}: ${c.description}` });
