// How every host step runs as an activity: under the host's step lock (taken before anything runs,
// released after), with heartbeats on a timer (a silent command of many minutes still heartbeats, so
// a dead worker is noticed within the heartbeat timeout, and cancellation reaches the step), and
// with failures classed: a changed host key pauses at once instead of being retried.
import { ApplicationFailure } from '@temporalio/common';
import type { SshPool } from '../ssh/pool';
import type { HostConnection } from '../../inventory/spec';
import { activityContext, type HostSession } from './session';
import { acquireStepLock, lockOwnerOf, releaseStepLock } from './step-lock';

/** Well inside every heartbeat timeout of activity-options.ts (the SDK throttles to 80 % of it). */
export const HEARTBEAT_EVERY_MS = 3_000;

export async function runHostStep<T>(
  pool: SshPool,
  conn: HostConnection,
  session: (lockOwner: string | undefined) => HostSession,
  step: (s: HostSession) => Promise<T>,
): Promise<T> {
  const ctx = activityContext();
  const owner = ctx ? lockOwnerOf(ctx.info) : undefined;
  const s = session(owner);
  const timer = ctx ? setInterval(() => ctx.heartbeat(s.heartbeatDetails), HEARTBEAT_EVERY_MS) : undefined;
  try {
    ctx?.heartbeat(s.heartbeatDetails);
    if (owner) await acquireStepLock(pool, conn, owner, ctx?.cancellationSignal);
    try {
      return await step(s);
    } finally {
      if (owner) await releaseStepLock(pool, conn, owner).catch(() => undefined); // the next attempt takes over a lock left behind
    }
  } catch (err) {
    throw classify(err);
  } finally {
    clearInterval(timer);
  }
}

/** Failures retrying cannot fix become non-retryable: the run pauses at once with the reason. */
export function classify(err: unknown): unknown {
  if (err instanceof Error && err.name === 'HostKeyMismatchError') return ApplicationFailure.nonRetryable(err.message, 'HostKeyMismatch');
  return err;
}
