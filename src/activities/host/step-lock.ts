// One step at a time on a host, whatever dies: the worker, its SSH connection, the operator's laptop.
// Each attempt of a step takes the host's step lock (owner = workflow, activity, attempt) before it
// runs anything there; every command it runs on the host checks it still holds the lock and records
// its process group in it. A retry that finds a previous attempt's owner stops that attempt's process
// groups (after letting them run for up to 20 s: TERM, then KILL) and waits until they are gone before it starts, so two attempts of a step
// never overlap; a stale attempt that is still alive finds the lock taken and its next command refuses
// to run (exit 75). Only an attempt of the same workflow is stopped so: a live step of another workflow
// (another operation, a scheduled backup) makes this attempt fail and retry. The lock's log (start, run, kill, takeover, end with times) is the record the
// fault tests read.
import { STEP_LOCK_DIR, shq } from '../ssh/shell';
import type { SshPool } from '../ssh/pool';
import type { HostConnection } from '../../inventory/spec';
import { run } from '../ssh/exec';

const ACQUIRE = `
set -u
L=${STEP_LOCK_DIR}; me=$1
mkdir -p $L && chmod 700 $L
exec 9>$L/.flock
flock -w 60 9 || { echo "the step lock of this host is busy" >&2; exit 1; }
now() { date +%s.%N; }
alive() { for g in $(cat $L/pgids 2>/dev/null); do kill -0 -"$g" 2>/dev/null && echo "$g"; done; }
prev=$(cat $L/owner 2>/dev/null || true)
if [ -n "$prev" ] && [ "$prev" != "$me" ] && [ "\${prev%%#*}" != "\${me%%#*}" ] && [ -n "$(alive)" ]; then
  # Another workflow's step still runs here (e.g. a scheduled backup while an install's HA check runs):
  # never stopped by a stranger; this attempt fails and is retried later.
  echo "the host is busy with a step of $prev" >&2; exit 1
fi
if [ -n "$prev" ] && [ "$prev" != "$me" ]; then
  # Let the previous attempt's commands finish for a while (an install is best not cut), then stop them.
  for i in $(seq 20); do [ -z "$(alive)" ] && break; sleep 1; done
  left=$(alive | tr '\\n' ' ')
  if [ -n "$left" ]; then
    echo "$(now) kill $prev $left" >> $L/log
    for g in $left; do kill -TERM -"$g" 2>/dev/null; done
    for i in $(seq 20); do [ -z "$(alive)" ] && break; sleep 0.5; done
    for g in $(alive); do kill -KILL -"$g" 2>/dev/null; done
    for i in $(seq 20); do [ -z "$(alive)" ] && break; sleep 0.5; done
    [ -z "$(alive)" ] || { echo "the previous attempt's processes ($(alive | tr '\\n' ' ')) did not stop" >&2; exit 1; }
  fi
  echo "$(now) takeover $prev" >> $L/log
fi
echo "$me" > $L/owner
: > $L/pgids
echo "$(now) start $me" >> $L/log
`;

const RELEASE = `
L=${STEP_LOCK_DIR}; me=$1
[ -d $L ] || exit 0
exec 9>$L/.flock
flock -w 60 9 || exit 0
if [ "$(cat $L/owner 2>/dev/null)" = "$me" ]; then rm -f $L/owner $L/pgids; echo "$(date +%s.%N) end $me" >> $L/log; fi
`;

/** An attempt's identity: unique per workflow, activity and attempt, safe in a shell word. */
export function lockOwnerOf(info: { workflowExecution?: { workflowId: string }; activityId: string; attempt: number }): string {
  const wf = (info.workflowExecution?.workflowId ?? 'tool').replace(/[^A-Za-z0-9._/-]/g, '_');
  return `${wf}#${info.activityId}#${info.attempt}`;
}

export async function acquireStepLock(pool: SshPool, conn: HostConnection, owner: string, signal?: AbortSignal): Promise<void> {
  await run(pool, conn, `sh -c ${shq(ACQUIRE)} step-lock ${shq(owner)}`, { timeoutMs: 120_000, signal });
}

export async function releaseStepLock(pool: SshPool, conn: HostConnection, owner: string): Promise<void> {
  await run(pool, conn, `sh -c ${shq(RELEASE)} step-lock ${shq(owner)}`, { timeoutMs: 90_000 });
}
