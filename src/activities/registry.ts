// Every activity a worker runs, from one registry: each step module exports its steps as a record,
// and the activity contract (HakubeActivities), the worker's activities and the tests' fakes are all
// derived from it, so a new step is registered by writing it in its module.
import type { HostSession } from './host/session';
import type { HostRequest } from '../contracts/activity-request';
import { preflightSteps } from './steps/preflight';
import { kernelSteps } from './steps/kernel';
import { rebootSteps } from './steps/reboot';
import { runtimeSteps } from './steps/runtime';
import { packagesSteps } from './steps/packages';
import { packageSourcesSteps } from './steps/package-sources';
import { etcdSteps } from './steps/etcd';
import { kubeadmSteps } from './steps/kubeadm';
import { addonsSteps } from './steps/addons';
import { haproxySteps } from './steps/haproxy';
import { verifyHaSteps } from './steps/verify-ha';
import { resetSteps } from './steps/reset';
import { removeSteps } from './steps/remove';
import { controlPlaneSteps } from './steps/control-plane';
import { backupSteps } from './steps/backup';
import { restoreSteps } from './steps/restore';
import { certsSteps } from './steps/certs';
import { upgradeSteps } from './steps/upgrade';
import { stateRecordSteps } from './steps/state-record';

export const HOST_STEPS = {
  ...preflightSteps,
  ...kernelSteps,
  ...rebootSteps,
  ...runtimeSteps,
  ...packagesSteps,
  ...packageSourcesSteps,
  ...etcdSteps,
  ...kubeadmSteps,
  ...addonsSteps,
  ...haproxySteps,
  ...verifyHaSteps,
  ...resetSteps,
  ...removeSteps,
  ...controlPlaneSteps,
  ...backupSteps,
  ...restoreSteps,
  ...certsSteps,
  ...upgradeSteps,
  ...stateRecordSteps,
} satisfies Record<string, (s: HostSession, req: HostRequest) => Promise<unknown>>;

export type HostStepName = keyof typeof HOST_STEPS;

/** Steps a host's child workflow runs through the cluster, from the first master (see index.ts). */
export const CLUSTER_SIDE_STEPS: ReadonlySet<string> = new Set(Object.keys(removeSteps));
