// What `up`, `reset` (and later node changes) share: connect (or start the embedded Temporal), run a
// worker, start the operation or attach to the one running, show live progress until it ends.
import { WorkflowFailedError } from '@temporalio/client';
import type { ClusterSpec } from '../inventory/spec';
import type { OperationResult, Progress } from '../contracts/progress';
import { OPERATION_NOUNS, startOrAttach, progressOf, type StartOptions } from '../temporal/client';
import { createWorker } from '../worker';
import { temporalSettings } from '../temporal/settings';
import { openSession, type Session, workflowLink } from './session';
import { progressChanges, progressNotices } from './progress-view';
import { LiveView } from './live-view';

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
    // On a terminal a table redrawn in place; in a pipe or a CI log one line per change.
    const live = liveViewWanted() ? new LiveView(process.stdout) : undefined;
    const print = (current: Progress) => {
      if (live) live.render(current, progressNotices(previous, current));
      else for (const line of progressChanges(previous, current)) console.log(line);
      previous = current;
    };
    let ended = false;
    const show = async () => {
      try {
        const current = await progressOf(handle);
        if (!ended) print(current); // a poll answered after the end would draw the table again
      } catch {
        /* the run may be between tasks; the next poll shows it */
      }
    };
    const poll = setInterval(() => void show(), 1000);
    const last = async () => {
      ended = true;
      clearInterval(poll);
      // A query on a run that has just closed is answered by a replay on this worker; once it took 30 s
      // (the SDK warned of "leftover buffered tasks when evicting run"). The summary comes from the result:
      // the last table is not worth more than a few seconds of the operator's time.
      const final =
        (await Promise.race([
          progressOf(handle),
          new Promise<undefined>((r) => setTimeout(() => r(undefined), FINAL_QUERY_MS).unref()),
        ]).catch(() => undefined)) ?? previous;
      if (final) print(final);
      live?.finish();
    };
    try {
      const result = await handle.result();
      await last();
      onCompleted(result, link);
      return 0;
    } catch (err) {
      await last();
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

/** How long the progress query after the end is waited for (see last() in runOperation). */
const FINAL_QUERY_MS = 5000;

/** The live table on a terminal, unless TERM=dumb or HAKUBE_PLAIN is set (then the line log, as in a pipe). */
const liveViewWanted = () => Boolean(process.stdout.isTTY) && process.env.TERM !== 'dumb' && !process.env.HAKUBE_PLAIN;
