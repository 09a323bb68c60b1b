// The activities, built from one factory that holds the SSH connection pool (one pool per worker).
import type { HostRequest } from '../contracts/activity-request';
import type { HakubeActivities } from './types';
import { HostSession } from './host/session';
import type { SshPool } from './ssh/pool';
import { HOST_STEPS } from './registry';
import { compensate } from './steps/compensate';

export function createActivities({ pool }: { pool: SshPool }): HakubeActivities {
  const hostSteps = Object.fromEntries(
    Object.entries(HOST_STEPS).map(([name, step]) => [
      name,
      (req: HostRequest) => (step as (s: HostSession) => Promise<unknown>)(HostSession.of(pool, req)),
    ]),
  ) as Omit<HakubeActivities, 'compensate'>;
  return {
    ...hostSteps,
    compensate: ({ spec, compensation }) =>
      compensate(new HostSession(pool, spec, compensation.host, compensation.backupTag), compensation),
  } as HakubeActivities;
}
