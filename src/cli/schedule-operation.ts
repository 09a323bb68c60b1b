// `--schedule "every 12h"` on backup and certs renew: the operation as a Temporal Schedule, created or
// updated. Scheduled runs need a Temporal and a worker that stay up; the command says so.
import type { ClusterSpec } from '../inventory/spec';
import type { OperationOptions } from '../contracts/activity-request';
import { recordedSpec } from '../temporal/client';
import { formatInterval, parseInterval, scheduleOperation, type ScheduledOperation } from '../temporal/schedules';
import { openSession } from './session';

export async function scheduleFromCli(
  target: { cluster?: string; spec?: ClusterSpec },
  operation: ScheduledOperation,
  schedule: string,
  options: OperationOptions,
  /** What each run does, for the message ("an etcd snapshot of NAME"). */
  describe: (spec: ClusterSpec) => string,
): Promise<number> {
  const everyMs = parseInterval(schedule);
  const session = await openSession({ startServer: false });
  try {
    const spec = target.spec ?? (await recordedSpec(session.client, target.cluster!));
    const { scheduleId, created } = await scheduleOperation(session.client, spec, {
      operation,
      taskQueue: session.settings.taskQueue,
      everyMs,
      options,
    });
    console.log(
      `${created ? 'Created' : 'Updated'} schedule ${scheduleId}: ${describe(spec)} every ${formatInterval(everyMs)} ` +
        '(a run still going, or paused for you, when the next is due makes that one skip).',
    );
    if (session.settings.webUi)
      console.log(`Web UI: ${session.settings.webUi}/namespaces/${session.settings.namespace}/schedules/${scheduleId}`);
    console.log(
      'Scheduled runs need a worker on this machine (`hakube worker`, e.g. as a systemd service) and a Temporal that stays up ' +
        `(\`hakube server start\`, or TEMPORAL_ADDRESS). \`hakube schedules -c ${spec.name}\` lists them; \`--delete\` removes them.`,
    );
    return 0;
  } finally {
    await session.close();
  }
}
