// A worker in its own process, with fake activities that log every finished call to a file:
// the crash test kills it with SIGKILL and starts another.
import { NativeConnection, Worker } from '@temporalio/worker';
import { fakeActivities } from './fake-activities';
import { WORKFLOWS_PATH } from '../../src/temporal/worker-paths';

async function main(): Promise<void> {
  const [address, taskQueue, logFile, rebootOn, delayMs, slowOn] = process.argv.slice(2);
  const connection = await NativeConnection.connect({ address });
  const { activities } = fakeActivities({
    logFile,
    rebootRequiredOn: new Set(rebootOn.split(',')),
    delayMs: Number(delayMs ?? 0),
    slowOn: new Set((slowOn ?? '').split(',').filter(Boolean)),
  });
  const worker = await Worker.create({ connection, taskQueue, workflowsPath: WORKFLOWS_PATH, activities });
  console.log('worker ready');
  await worker.run();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
