// hakube schedules -c NAME [--delete]: the cluster's Temporal Schedules (its backups), as the Web UI's
// Schedules page shows them: interval, next runs, the last runs' workflows.
import { deleteSchedule, schedulesOf } from '../temporal/schedules';
import { openSession } from './session';
import { clusterName, type ClusterRef } from './cluster-ref';

export async function schedulesCommand(ref: ClusterRef & { delete?: boolean }): Promise<number> {
  const name = clusterName(ref);
  const session = await openSession({ startServer: false });
  try {
    const schedules = await schedulesOf(session.client, name);
    if (!schedules.length) {
      console.log(
        `cluster ${name} has no schedules (\`hakube backup -c ${name} --schedule "every 12h"\` makes one; \`hakube certs renew -c ${name} --schedule "every 24h"\` another)`,
      );
      return 0;
    }
    for (const s of schedules) {
      if (ref.delete) {
        await deleteSchedule(session.client, s.scheduleId);
        console.log(`deleted schedule ${s.scheduleId}`);
        continue;
      }
      console.log(`${s.scheduleId}: every ${s.every}${s.paused ? ' (PAUSED)' : ''}`);
      console.log(`  next: ${s.nextRuns.map((d) => d.toISOString()).join(', ') || '-'}`);
      for (const r of s.recentRuns) console.log(`  ran ${r.at.toISOString()}: workflow ${r.workflowId}`);
    }
    return 0;
  } finally {
    await session.close();
  }
}
