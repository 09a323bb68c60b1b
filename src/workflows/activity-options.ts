// Activity proxies by kind of work: each kind has its own timeouts and retry policy. A phase step
// names its kind (StepPolicy); reboots and undo steps have their own.
import { proxyActivities } from '@temporalio/workflow';
import type { HakubeActivities } from '../activities/types';
import type { StepPolicy } from './phase-model';

/** Short, idempotent edits and checks: retried a few times quickly. */
const quick = proxyActivities<HakubeActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 4 },
});

/** Package installs, kubeadm, manifests: minutes long, heartbeating with their last output lines. */
const long = proxyActivities<HakubeActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '90 seconds',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 3 },
});

/** Waiting for the cluster to converge (etcd quorum, API ready, node Ready): many patient attempts. */
const gate = proxyActivities<HakubeActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '3s', backoffCoefficient: 1.5, maximumInterval: '20s', maximumAttempts: 30 },
});

export const byPolicy: Record<StepPolicy, HakubeActivities> = { quick, long, gate };

/** A reboot and the wait for the host to come back. */
export const reboot = proxyActivities<HakubeActivities>({
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '60 seconds',
  retry: { initialInterval: '10s', maximumAttempts: 2 },
});

/** Undo steps: must get through, so retried longer. */
export const undo = proxyActivities<HakubeActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});
