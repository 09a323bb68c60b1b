import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadInventory } from '../../src/inventory/load';
import { progressOf, startOrAttach } from '../../src/temporal/client';
import { codecClient, startTestEnvironment, testCodec, waitFor, withFakeWorker } from '../helpers/temporal';
import { EXAMPLE } from '../helpers/inventory';
import type { OperationTiming } from '../../src/temporal/timing';
import { INSTALL } from '../../src/workflows/operations';

const BIN = path.resolve(__dirname, '../../bin/hakube');
let env: TestWorkflowEnvironment;
// The CLI encrypts what it sends: the test's worker and client use the same key file.
const codec = testCodec();
before(async () => (env = await startTestEnvironment()));
after(async () => env?.teardown());

/** Runs the real CLI against the test server, as an operator in another terminal would. */
function hakube(taskQueue: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(BIN, args, {
      env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue, HAKUBE_CODEC_KEYS: codec.keysFile },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

test('hakube status, approve, retry and abort drive a running install', { timeout: 120_000 }, async () => {
  const spec = { ...loadInventory(EXAMPLE, { requireKeyFiles: false }).spec, name: `cli-${process.pid}` };
  const failing = new Set(['installHaproxy@worknode01']);
  const fakes = { rebootRequiredOn: new Set(['master02']), failing, dataConverter: codec.dataConverter };
  await withFakeWorker(env, fakes, async (calls, taskQueue) => {
    const { handle } = await startOrAttach(codecClient(env, codec.dataConverter), spec, { taskQueue });
    await waitFor('approval wait', async () => (await progressOf(handle)).status === 'waiting-approval');

    const status = await hakube(taskQueue, 'status', '-c', spec.name);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`cluster ${spec.name}: waiting-approval`));
    assert.match(status.stdout, /master02\s+waiting-approval — reboot \(\/run\/reboot-required\)/);

    const wrong = await hakube(taskQueue, 'approve', 'worknode01', '-c', spec.name);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /worknode01 is not waiting for an approval/);
    assert.equal(calls.filter((c) => c.name === 'rebootHost').length, 0);

    const ok = await hakube(taskQueue, 'approve', '--all', '-c', spec.name);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /approved for master02/);

    await waitFor('haproxy pause', async () => (await progressOf(handle)).status === 'paused');
    const paused = await hakube(taskQueue, 'status', '-c', spec.name);
    assert.match(paused.stdout, /worknode01\s+paused — haproxy on 127\.0\.0\.1:6443\n\s+error: installHaproxy failed on worknode01/);
    const early = await hakube(taskQueue, 'retry', 'worknode02', '-c', spec.name);
    assert.equal(early.code, 1);
    assert.match(early.stderr, /worknode02 is not paused/);

    const aborted = await hakube(taskQueue, 'abort', '-c', spec.name);
    assert.equal(aborted.code, 0, aborted.stderr);
    assert.match(aborted.stdout, /aborting/);
    await assert.rejects(handle.result());
    const final = await hakube(taskQueue, 'status', '-c', spec.name);
    assert.match(final.stdout, /failed/);
    assert.match(final.stdout, /compensations run:/);
  });
});

test('hakube status --timing says where the time went; -o json for scripts', { timeout: 120_000 }, async () => {
  const spec = { ...loadInventory(EXAMPLE, { requireKeyFiles: false }).spec, name: `cli-timing-${process.pid}` };
  const fakes = { delayMs: 40, failing: new Set<string>(), dataConverter: codec.dataConverter };
  await withFakeWorker(env, fakes, async (calls, taskQueue) => {
    const { handle } = await startOrAttach(codecClient(env, codec.dataConverter), spec, { taskQueue, autoApproveReboots: true });
    await handle.result();

    const timing = await hakube(taskQueue, 'status', '-c', spec.name, '--timing', '-o', 'json');
    assert.equal(timing.code, 0, timing.stderr);
    const t = JSON.parse(timing.stdout) as OperationTiming;
    assert.equal(t.workflowId, handle.workflowId);
    // In the order they started (phases that do not need each other start together); the run's own steps
    // before and after the phases (the state record) show as phases of their own.
    const ids = t.phases.map((p) => p.id);
    assert.deepEqual(
      [...ids].sort(),
      ['state-record-check', ...INSTALL.filter((p) => p.shouldRun(spec)).map((p) => p.id), 'state-record-write'].sort(),
    );
    assert.deepEqual([ids[0], ids.at(-1)], ['state-record-check', 'state-record-write']);
    const starts = t.phases.map((p) => p.startSeconds);
    assert.deepEqual(
      [...starts].sort((a, b) => a - b),
      starts,
      'listed in the order they started',
    );
    assert.equal(t.steps.length, calls.length, 'every activity of the run is timed, once');
    for (const s of t.steps) assert.ok(s.seconds >= 0.04, `${s.phase}/${s.host}/${s.step} took ${s.seconds} s`);
    const joins = t.steps.filter((s) => s.phase === 'join-workers' && s.step === 'kubeadm join').map((s) => s.host);
    assert.deepEqual(joins.sort(), [...spec.workers].sort(), 'steps carry the titles the plan prints');
    assert.ok(t.wallSeconds! >= Math.max(...t.phases.map((p) => p.wallSeconds)));
    // The install's own history is the largest: it holds every host workflow's start and end.
    assert.equal(t.largestHistory.workflowId, handle.workflowId);
    assert.ok(t.largestHistory.events > 100 && t.largestHistory.bytes > 10_000, JSON.stringify(t.largestHistory));

    const text = await hakube(taskQueue, 'status', '-c', spec.name, '--timing');
    assert.match(text.stdout, new RegExp(`install ${handle.workflowId}: [0-9.]+ s wall`));
    assert.match(text.stdout, /^join-workers\s+\+[0-9.]+ s\s+[0-9.]+ s\s+3 {2}worknode0\d \([0-9.]+ s\)$/m);
    assert.match(text.stdout, /Slowest steps \(of \d+\):/);
    assert.match(text.stdout, new RegExp(`Largest history: ${handle.workflowId}, \\d+ KiB, \\d+ events`));

    const json = await hakube(taskQueue, 'status', '-c', spec.name, '-o', 'json');
    const status = JSON.parse(json.stdout) as { status: string; result: { phases: unknown[] } };
    assert.equal(status.status, 'completed');
    assert.equal(status.result.phases.length, t.phases.filter((p) => !p.id.startsWith('state-record-')).length);
  });
});

test('approve and retry with no worker serving the run say so at once instead of waiting', { timeout: 120_000 }, async () => {
  const spec = { ...loadInventory(EXAMPLE, { requireKeyFiles: false }).spec, name: `cli-noworker-${process.pid}` };
  // A task queue no worker ever polls: the run waits for its first workflow task, as after `up` was killed.
  const taskQueue = `nobody-polls-${process.pid}`;
  const { handle } = await startOrAttach(codecClient(env, codec.dataConverter), spec, { taskQueue });
  try {
    for (const command of ['approve', 'retry']) {
      const started = Date.now();
      const out = await hakube(taskQueue, command, '--all', '-c', spec.name);
      assert.equal(out.code, 1, `${command}: ${out.stdout}${out.stderr}`);
      assert.match(out.stderr, new RegExp(`no worker serves the install \\(task queue "${taskQueue}"\\).*hakube worker`));
      assert.ok(Date.now() - started < 30_000, `${command} took ${Date.now() - started} ms to say so`);
    }
  } finally {
    await handle.terminate('test over');
  }
});
