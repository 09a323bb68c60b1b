// --drain-timeout, shared by the commands that drain Nodes (remove, upgrade).
import { DRAIN_TIMEOUT_SECONDS } from '../activities/steps/remove';
import { MAX_DRAIN_TIMEOUT_SECONDS } from '../contracts/activity-request';

export function drainTimeoutSeconds(option: string | undefined): number {
  const seconds = option === undefined ? DRAIN_TIMEOUT_SECONDS : Number(option);
  if (!Number.isInteger(seconds) || seconds < 10 || seconds > MAX_DRAIN_TIMEOUT_SECONDS)
    throw new Error(`--drain-timeout ${option}: whole seconds from 10 to ${MAX_DRAIN_TIMEOUT_SECONDS}`);
  return seconds;
}
