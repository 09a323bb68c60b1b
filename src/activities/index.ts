// The activities, built from one factory that holds the SSH connection pool (one pool per worker).
// Every host step runs through runHostStep: step lock, heartbeats on a timer, failure classes.
import type { HostRequest } from '../contracts/activity-request';
import type { HakubeActivities } from './types';
import { HostSession } from './host/session';
import { runHostStep } from './host/step-runner';
import type { SshPool } from './ssh/pool';
import { hostByName } from '../inventory/spec';
import { CLUSTER_SIDE_STEPS, HOST_STEPS } from './registry';
import { compensate } from './steps/compensate';
import { checkRequest } from './request-check';
import { operationsRunning } from './operations-running';

export function createActivities({ pool }: { pool: SshPool }): HakubeActivities {
  const hostSteps = Object.fromEntries(
    Object.entries(HOST_STEPS).map(([name, step]) => [
      name,
      async (req: HostRequest) => {
        checkRequest(req); // before anything touches the host: the spec came through Temporal
        // Steps done for a host through the cluster (drain, delete its Node, remove its etcd member)
        // run on the first master and hold its step lock: the host itself may be unreachable.
        const locked = CLUSTER_SIDE_STEPS.has(name) ? req.spec.firstMaster : req.host;
        return runHostStep(
          pool,
          hostByName(req.spec, locked).ssh,
          (owner) => HostSession.of(pool, req, owner, locked),
          (s) => (step as (s: HostSession, req: HostRequest) => Promise<unknown>)(s, req),
        );
      },
    ]),
  ) as Omit<HakubeActivities, 'compensate' | 'operationsRunning'>;
  return {
    ...hostSteps,
    compensate: async ({ spec, compensation: c }) => {
      checkRequest({ spec, host: c.host, backupTag: c.backupTag });
      return runHostStep(
        pool,
        // An uncordon is the cluster's business, done from the first master (the host may be gone).
        hostByName(spec, c.uncordon ? spec.firstMaster : c.host).ssh,
        (owner) => new HostSession(pool, spec, c.host, c.backupTag, [], owner, c.uncordon ? spec.firstMaster : c.host),
        (s) => compensate(s, c),
      );
    },
    operationsRunning,
  } as HakubeActivities;
}
