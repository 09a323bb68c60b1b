// The hakube worker: runs the workflows and the SSH activities. `hakube worker` runs one alone
// (e.g. on a bastion host that reaches the machines); `hakube up` runs one in-process.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from './activities';
import { SshPool } from './activities/ssh/pool';
import { connectionOptions, type TemporalSettings } from './temporal/settings';
import { workflowBundle } from './temporal/workflow-bundle';
import { hakubeDataConverter } from './temporal/codec';

let runtimeInstalled = false;

export async function createWorker(settings: TemporalSettings): Promise<{ worker: Worker; close: () => Promise<void> }> {
  // The CLI shows progress itself: the SDK's own log lines only when something is wrong.
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger((process.env.HAKUBE_LOG_LEVEL as 'INFO' | undefined) ?? 'WARN') });
    runtimeInstalled = true;
  }
  const connection = await NativeConnection.connect(connectionOptions(settings));
  const pool = new SshPool();
  const worker = await Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    // Built once per version of the sources (workflow-bundle.ts), not on every command.
    workflowBundle: await workflowBundle(),
    // Same key file as the client: activity inputs and results, queries, updates and failure messages are encrypted in history.
    dataConverter: hakubeDataConverter(settings.codecKeys),
    activities: createActivities({ pool }),
  });
  return {
    worker,
    close: async () => {
      await pool.closeAll();
      await connection.close();
    },
  };
}
