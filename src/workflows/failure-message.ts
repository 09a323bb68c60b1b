// The root cause of an activity's (or a host workflow's) failure, in one line an operator can act on.
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';

export function failureMessage(err: unknown): string {
  let cur: unknown = err;
  while ((cur instanceof ActivityFailure || cur instanceof ChildWorkflowFailure) && cur.cause) cur = cur.cause;
  if (cur instanceof ApplicationFailure) return cur.message;
  return cur instanceof Error ? cur.message : String(cur);
}
