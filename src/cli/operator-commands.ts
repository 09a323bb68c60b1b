// hakube status | approve | retry | abort | worker: talk to the cluster's running operation (install,
// reset, ...; the newest one for status), or serve them.
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { clusterName, type ClusterRef } from './cluster-ref';
import { abort, approve, currentOperation, installHandle, OPERATION_NOUNS, progressOf, retry, workerServes } from '../temporal/client';
import { createWorker } from '../worker';
import { openSession, type Session } from './session';
import { resultSummary, statusTable } from './progress-view';
import { operationTiming, timingReport } from '../temporal/timing';
import type { OperationId } from '../workflows/operations';

export type { ClusterRef };

async function withHandle<T>(
  ref: ClusterRef,
  fn: (handle: ReturnType<typeof installHandle>, noun: string, operation: OperationId, client: Client, session: Session) => Promise<T>,
): Promise<T> {
  const session = await openSession({ startServer: false });
  try {
    const { handle, operation } = await currentOperation(session.client, clusterName(ref));
    return await fn(handle, OPERATION_NOUNS[operation], operation, session.client, session);
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new Error(err.cause?.message ?? err.message, { cause: err });
    throw err;
  } finally {
    await session.close();
  }
}

export interface StatusOptions extends ClusterRef {
  timing?: boolean;
  output?: string;
}

export const statusCommand = (ref: StatusOptions) =>
  withHandle(ref, async (handle, noun, operation, client) => {
    if (ref.output !== undefined && ref.output !== 'json') throw new Error(`--output ${ref.output}: only "json"`);
    const json = ref.output === 'json';
    if (ref.timing) {
      const timing = await operationTiming(client, operation, handle);
      console.log(json ? JSON.stringify(timing, null, 2) : `${noun} ${timingReport(timing)}`);
      return 0;
    }
    const state = (await handle.describe()).status.name;
    if (json) {
      // A finished operation answers from its history (no worker needed), a running one by query.
      const body =
        state === 'COMPLETED'
          ? { result: await handle.result() }
          : await progressOf(handle).then(
              (progress) => ({ progress }),
              // Ended (failed, aborted): no worker answers queries; its error is in its history.
              async (err: unknown) => {
                if (state === 'RUNNING') throw err;
                return {
                  error: await handle.result().then(
                    () => '',
                    (e: Error) => (e.cause as Error | undefined)?.message ?? e.message,
                  ),
                };
              },
            );
      console.log(JSON.stringify({ workflowId: handle.workflowId, operation, status: state.toLowerCase(), ...body }, null, 2));
      return 0;
    }
    if (state === 'COMPLETED') {
      // A finished operation answers from its history: no worker has to be running.
      console.log(`${noun} ${handle.workflowId}: completed\n${resultSummary(await handle.result())}`);
      return 0;
    }
    if (state !== 'RUNNING') console.log(`${noun} ${handle.workflowId}: ${state.toLowerCase()}`);
    try {
      console.log(statusTable(await progressOf(handle))); // queries are answered by a worker
    } catch (err) {
      if (state !== 'RUNNING') {
        const error = await handle.result().then(
          () => '',
          (e: Error) => (e.cause as Error | undefined)?.message ?? e.message,
        );
        console.log(error);
        return 0;
      }
      throw new Error(
        `${(err as Error).message}: the ${noun} is running but no worker answers; run the command that started it again (it attaches) or \`hakube worker\``,
        { cause: err },
      );
    }
    return 0;
  });

const selection = (hosts: string[], all?: boolean) => (all ? { all: true } : { hosts });

/**
 * An approval or a retry is answered by the run's worker, which then goes on with the host's steps: with
 * none serving the run's task queue the command would wait for one, so it says so at once instead.
 */
async function refuseWithoutWorker(handle: ReturnType<typeof installHandle>, noun: string, client: Client): Promise<void> {
  const { taskQueue } = await handle.describe();
  if (!(await workerServes(client, handle)))
    throw new Error(
      `no worker serves the ${noun} (task queue "${taskQueue}"), so nothing would act on this: ` +
        'run the command that started it again (it attaches and runs a worker), or `hakube worker` where the hosts are reachable, then repeat this',
    );
}

export const approveCommand = (ref: ClusterRef, hosts: string[], all?: boolean) =>
  withHandle(ref, async (handle, noun, _op, client) => {
    await refuseWithoutWorker(handle, noun, client);
    console.log(`approved for ${(await approve(handle, selection(hosts, all))).join(', ')}`);
    return 0;
  });

export const retryCommand = (ref: ClusterRef, hosts: string[], all?: boolean) =>
  withHandle(ref, async (handle, noun, _op, client) => {
    await refuseWithoutWorker(handle, noun, client);
    console.log(`retrying on ${(await retry(handle, selection(hosts, all))).join(', ')}`);
    return 0;
  });

/**
 * An abort ends once the run's undo steps have run, which takes a worker: with none serving the run's
 * task queue, this command runs one itself until the run has ended (as `up` does for an install).
 */
export const abortCommand = (ref: ClusterRef) =>
  withHandle(ref, async (handle, noun, _op, client, session) => {
    const { taskQueue } = await handle.describe();
    if (await workerServes(client, handle)) {
      console.log(await abort(handle));
      return 0;
    }
    console.log(`no worker serves the ${noun}'s task queue "${taskQueue}": running one here until the abort's undo steps are done`);
    const { worker, close } = await createWorker({ ...session.settings, taskQueue });
    const running = worker.run();
    try {
      console.log(await abort(handle));
      // The update returns once the hosts are told; the undo steps run after it, on this worker.
      const ended = await handle.result().then(
        () => 'completed',
        (err: Error) => (err.cause as Error | undefined)?.message ?? err.message,
      );
      console.log(`the ${noun} ended: ${ended}`);
    } finally {
      worker.shutdown();
      await running;
      await close();
    }
    return 0;
  });

export async function workerCommand(): Promise<number> {
  const session = await openSession({ startServer: true });
  const { worker, close } = await createWorker(session.settings);
  console.log(`hakube worker on task queue ${session.settings.taskQueue} at ${session.settings.address}; Ctrl-C to stop`);
  const stop = () => worker.shutdown();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  await worker.run();
  await close();
  await session.close();
  return 0;
}
