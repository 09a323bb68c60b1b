import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadInventory } from '../../src/inventory/load';
import { approve, progressOf, startOrAttach } from '../../src/temporal/client';
import { startTestEnvironment, waitFor } from '../helpers/temporal';
import { EXAMPLE, tempDir } from '../helpers/inventory';

let env: TestWorkflowEnvironment;
/** Worker processes still running: a test that fails before it kills its worker leaves it to the hook below. */
const workers = new Set<ChildProcess>();
before(async () => (env = await startTestEnvironment()));
after(async () => {
  // Otherwise a worker left running keeps this file's process alive until the test runner's timeout.
  for (const w of workers) w.kill('SIGKILL');
  await env?.teardown();
});

/** slowOn: hosts whose steps take three times delayMs (they finish a phase well after the others). */
function startWorker(taskQueue: string, logFile: string, delayMs = 0, slowOn: string[] = []): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.resolve(__dirname, '../helpers/fake-worker-process.ts'),
      env.address,
      taskQueue,
      logFile,
      'master01',
      String(delayMs),
      slowOn.join(','),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  workers.add(child);
  child.once('exit', () => workers.delete(child));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('worker ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

const readLog = (file: string) =>
  fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { name: string; host: string; workflowId: string })
    : [];

/**
 * Kills `first` without warning, starts a second worker on the same queue, runs `meanwhile` (e.g. an
 * approval) and waits for the run: its result, the calls logged before the kill and after it.
 */
async function killAndResume<R>(
  first: ChildProcess,
  handle: { result(): Promise<R> },
  taskQueue: string,
  logFile: string,
  meanwhile: () => Promise<unknown> = async () => undefined,
) {
  const exited = new Promise((r) => first.once('exit', r));
  first.kill('SIGKILL');
  await exited;
  const beforeKill = readLog(logFile);
  const second = await startWorker(taskQueue, logFile);
  try {
    await meanwhile();
    const result = await handle.result();
    return { result, beforeKill, afterKill: readLog(logFile).slice(beforeKill.length) };
  } finally {
    second.kill('SIGTERM');
  }
}

/** Calls that had finished before the kill and ran again after it, keyed by host workflow (cluster/phase/host)
 * and activity: the same check may run in two phases. */
const rerunAfterKill = (beforeKill: ReturnType<typeof readLog>, afterKill: ReturnType<typeof readLog>) => {
  const finished = new Set(beforeKill.map((c) => `${c.workflowId}:${c.name}`));
  return afterKill.filter((c) => finished.has(`${c.workflowId}:${c.name}`));
};

test(
  'killing the worker mid-run and starting a new one completes without re-running finished activities',
  { timeout: 180_000 },
  async () => {
    const spec = { ...loadInventory(EXAMPLE, { requireKeyFiles: false }).spec, name: `crash-${process.pid}` };
    const logFile = path.join(tempDir(), 'calls.jsonl');
    const taskQueue = `crash-${process.pid}`;
    const first = await startWorker(taskQueue, logFile);
    const { handle } = await startOrAttach(env.client, spec, { taskQueue });
    await waitFor('master01 waiting for a reboot approval', async () => (await progressOf(handle)).status === 'waiting-approval', 60_000);
    // Let the other hosts finish their packages phase, then kill the worker without warning.
    await waitFor(
      'other hosts done',
      async () =>
        Object.values((await progressOf(handle)).phases.find((p) => p.id === 'runtime')!.hosts).filter((h) => h.state === 'done').length ===
        5,
      30_000,
    );
    const { result, beforeKill, afterKill } = await killAndResume(first, handle, taskQueue, logFile, () =>
      approve(handle, { hosts: ['master01'] }),
    );
    assert.ok(beforeKill.length >= 6 * 5, `expected the first phases' calls, got ${beforeKill.length}`);
    assert.equal(result.cluster, spec.name);
    assert.deepEqual(rerunAfterKill(beforeKill, afterKill), [], 'activities that had finished before the crash ran again');
    assert.ok(afterKill.some((c) => c.name === 'rebootHost' && c.host === 'master01'));
    assert.ok(afterKill.some((c) => c.name === 'applyDashboard'));
  },
);

test(
  'a removal whose worker is killed after the etcd member left resumes on a new worker without repeating a finished step',
  { timeout: 180_000 },
  async () => {
    const spec = { ...loadInventory(EXAMPLE, { requireKeyFiles: false }).spec, name: `crash-remove-${process.pid}` };
    const logFile = path.join(tempDir(), 'remove-calls.jsonl');
    const taskQueue = `crash-remove-${process.pid}`;
    const first = await startWorker(taskQueue, logFile, 400);
    const { handle } = await startOrAttach(env.client, spec, {
      taskQueue,
      operation: 'remove',
      options: { removing: ['worknode03', 'master03'], force: true },
    });
    await waitFor(
      'the leaving hosts being reset',
      async () => (await progressOf(handle)).phases.find((p) => p.id === 'reset-leaving')!.state === 'running',
      60_000,
    );
    const { result, beforeKill, afterKill } = await killAndResume(first, handle, taskQueue, logFile);
    assert.ok(
      beforeKill.some((c) => c.name === 'removeEtcdMember' && c.host === 'master03'),
      'the member had left before the kill',
    );
    assert.deepEqual(
      result.phases.map((p) => p.id),
      ['remove-check', 'drain', 'haproxy-refresh', 'etcd-leave', 'control-plane-refresh', 'reset-leaving', 'delete-node'],
    );
    assert.deepEqual(rerunAfterKill(beforeKill, afterKill), [], 'steps that had finished before the crash ran again');
    assert.deepEqual(
      afterKill
        .filter((c) => c.name === 'deleteNode')
        .map((c) => c.host)
        .sort(),
      ['master03', 'worknode03'],
    );
    assert.equal(readLog(logFile).filter((c) => c.name === 'removeEtcdMember').length, 1, 'the etcd member was removed once');
  },
);

test(
  'a reset whose worker is killed while the nodes are being reset resumes on a new worker without repeating a finished step',
  { timeout: 180_000 },
  async () => {
    const spec = { ...loadInventory(EXAMPLE, { requireKeyFiles: false }).spec, name: `crash-reset-${process.pid}` };
    const logFile = path.join(tempDir(), 'reset-calls.jsonl');
    const taskQueue = `crash-reset-${process.pid}`;
    // One host slower than the others: every host's steps take the same time otherwise, and all of them could
    // finish reset-nodes between two looks at the progress (the moment the kill is for would pass unseen).
    const first = await startWorker(taskQueue, logFile, 400, ['worknode03']);
    const { handle } = await startOrAttach(env.client, spec, { taskQueue, operation: 'reset', options: { wipeEtcd: true } });
    await waitFor(
      'some hosts done with reset-nodes, some not',
      async () => {
        const hosts = Object.values((await progressOf(handle)).phases.find((p) => p.id === 'reset-nodes')!.hosts);
        return hosts.some((h) => h.state === 'done') && hosts.some((h) => h.state !== 'done');
      },
      60_000,
    );
    const { result, beforeKill, afterKill } = await killAndResume(first, handle, taskQueue, logFile);
    assert.deepEqual(
      result.phases.map((p) => p.id),
      ['reset-nodes', 'reset-etcd', 'release-packages'],
    );
    assert.deepEqual(rerunAfterKill(beforeKill, afterKill), [], 'steps that had finished before the crash ran again');
    // Every host's steps ran once in all: none lost to the crash, none repeated.
    const all = readLog(logFile);
    assert.equal(all.filter((c) => c.name === 'stopEtcd').length, spec.masters.length, 'etcd stopped once per master');
    assert.equal(all.filter((c) => c.name === 'kubeadmReset').length, spec.hosts.length, 'kubeadm reset once per host');
  },
);
