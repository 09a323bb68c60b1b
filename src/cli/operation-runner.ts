// What `up`, `reset` (and later node changes) share: connect (or start the embedded Temporal), run a
// worker, start the operation or attach to the one running, show live progress until it ends.
import { WorkflowFailedError } from '@temporalio/client';
import type { ClusterSpec } from '../inventory/spec';
import type { OperationResult, Progress } from '../contracts/progress';
import { OPERATION_NOUNS, startOrAttach, progressOf, type StartOptions } from '../temporal/client';
import { createWorker } from '../worker';
import { temporalSettings } from '../temporal/settings';
import { openSession, type Session, workflowLink } from './session';
import { progressChanges } from './progress-view';

export interface RunOptions extends Omit<StartOptions, 'taskQueue'> {
  /** Start (or attach) and return without running a worker or waiting. */
  detach?: boolean;
  /** Prints what the finished operation means for the operator (where the kubeconfig is, ...). */
  onCompleted(result: OperationResult, link: string | undefined): void;
  /** Checks that need Temporal before anything starts (e.g. reset's confirmation); a number ends the command with it. */
  beforeStart?(session: Session): Promise<number | undefined>;
}

export async function runOperation(spec: ClusterSpec | ((session: Session) => Promise<ClusterSpec>), options: RunOptions): Promise<number> {
  const { detach, onCompleted, beforeStart, ...start } = options;
  const noun = OPERATION_NOUNS[start.operation ?? 'install'];
  if (detach && temporalSettings().embedded)
    throw new Error(
      `--detach needs a Temporal that outlives this command: set TEMPORAL_ADDRESS (the embedded dev server stops when \`hakube ${noun}\` exits)`,
    );
  const session = await openSession({ startServer: true });
  let worker: Awaited<ReturnType<typeof createWorker>> | undefined;
  let running: Promise<void> | undefined;
  try {
    const cluster = typeof spec === 'function' ? await spec(session) : spec;
    const stop = await beforeStart?.(session);
    if (stop !== undefined) return stop;
    if (!detach) {
      worker = await createWorker(session.settings);
      running = worker.worker.run();
    }
    const { handle, started } = await startOrAttach(session.client, cluster, { ...start, taskQueue: session.settings.taskQueue });
    console.log(`${started ? 'Started' : 'Attached to the running'} ${noun} of ${cluster.name} (workflow ${handle.workflowId})`);
    const link = workflowLink(session.settings, handle.workflowId);
    if (link) console.log(`Web UI: ${link}`);
    if (detach) return 0;
    let previous: Progress | undefined;
    const show = async () => {
      try {
        const current = await progressOf(handle);
        for (const line of progressChanges(previous, current)) console.log(line);
        previous = current;
      } catch {
        /* the run may be between tasks; the next poll shows it */
      }
    };
    const poll = setInterval(() => void show(), 1000);
    try {
      const result = await handle.result();
      clearInterval(poll);
      for (const line of progressChanges(previous, await progressOf(handle).catch(() => previous!))) console.log(line);
      onCompleted(result, link);
      return 0;
    } catch (err) {
      clearInterval(poll);
      if (err instanceof WorkflowFailedError) {
        console.error(`\n${noun[0].toUpperCase()}${noun.slice(1)} of ${cluster.name} ended: ${err.cause?.message ?? err.message}`);
        return 1;
      }
      throw err;
    }
  } finally {
    if (worker) {
      worker.worker.shutdown();
      await running;
      await worker.close();
    }
    await session.close();
  }
}
