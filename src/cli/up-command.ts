// hakube up -f cluster.yaml: validate, connect (or start the embedded Temporal), run a worker,
// start or attach to the install, and show live progress until it ends.
import { WorkflowFailedError } from '@temporalio/client';
import { loadInventory } from '../inventory/load';
import { inventoryAdvisories } from '../inventory/advisories';
import { startOrAttach, progressOf } from '../temporal/client';
import { createWorker } from '../worker';
import type { Progress } from '../contracts/progress';
import { INSTALL } from '../workflows/operations';
import { HOST_PATHS } from '../contracts/remote-files';
import { openSession, workflowLink } from './session';
import { temporalSettings } from '../temporal/settings';
import { progressChanges, resultSummary } from './progress-view';

export interface UpOptions {
  file: string;
  autoApproveReboots?: boolean;
  /** Start (or attach) and return without running a worker or waiting. */
  detach?: boolean;
  only?: string;
}

export async function upCommand(options: UpOptions): Promise<number> {
  const { spec } = loadInventory(options.file, { requireKeyFiles: true });
  for (const advisory of inventoryAdvisories(spec)) console.warn(`warning: ${advisory}`);
  const onlyPhases = options.only ? parseOnly(options.only) : undefined;
  if (options.detach && temporalSettings().embedded)
    throw new Error(
      '--detach needs a Temporal that outlives this command: set TEMPORAL_ADDRESS (the embedded dev server stops when `hakube up` exits)',
    );
  const session = await openSession({ startServer: true });
  const { worker, close } = options.detach ? { worker: undefined, close: async () => {} } : await createWorker(session.settings);
  const running = worker?.run();
  try {
    const { handle, started } = await startOrAttach(session.client, spec, {
      taskQueue: session.settings.taskQueue,
      autoApproveReboots: options.autoApproveReboots,
      onlyPhases,
    });
    console.log(`${started ? 'Started' : 'Attached to the running'} install of ${spec.name} (workflow ${handle.workflowId})`);
    const link = workflowLink(session.settings, handle.workflowId);
    if (link) console.log(`Web UI: ${link}`);
    if (options.detach) return 0;
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
      console.log(`\nCluster ${spec.name} installed.\n${resultSummary(result)}`);
      const first = spec.hosts.find((h) => h.name === spec.firstMaster)!;
      const ran = (id: string) => result.phases.some((p) => p.id === id);
      const adminConf = HOST_PATHS['admin-conf'];
      if (ran('init-first-master'))
        console.log(
          `\nkubeconfig: ${adminConf} on ${first.name}; copy it (0600, server ${spec.controlPlaneEndpoint.value}) with\n  hakube kubeconfig -f ${options.file}   (then KUBECONFIG=./${spec.name}.kubeconfig)`,
        );
      if (ran('dashboard'))
        console.log(
          `dashboard: ${spec.dashboard.scheme}://${first.address}:${spec.dashboard.nodePort}  ` +
            `token: ssh ${first.ssh.user}@${first.address} kubectl --kubeconfig ${adminConf} -n ${spec.dashboard.namespace} create token admin-user`,
        );
      if (link) console.log(`history: ${link}`);
      return 0;
    } catch (err) {
      clearInterval(poll);
      if (err instanceof WorkflowFailedError) {
        console.error(`\nInstall of ${spec.name} ended: ${err.cause?.message ?? err.message}`);
        return 1;
      }
      throw err;
    }
  } finally {
    if (worker) {
      worker.shutdown();
      await running;
    }
    await close();
    await session.close();
  }
}

function parseOnly(text: string): string[] {
  const ids = text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const unknown = ids.filter((id) => !INSTALL.some((p) => p.id === id));
  if (unknown.length) throw new Error(`--only: unknown phase ${unknown.join(', ')}; phases are ${INSTALL.map((p) => p.id).join(', ')}`);
  return ids;
}
