// A `hakube worker` process killed with SIGKILL in the middle of the etcd phase on the lab; a new
// worker finishes the run: the etcd cluster is healthy with 3 members, and no host workflow that had
// finished ran again (each has exactly one execution).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { progressOf, startOrAttach } from '../../src/temporal/client';
import { waitFor } from '../helpers/temporal';
import { canRunLab } from '../helpers/lab';
import { assertEtcdHealthy, openLabFixture, type LabFixture } from '../helpers/lab-fixture';

const BIN = path.resolve(__dirname, '../../bin/hakube');

describe('worker killed during the etcd phase on the lab', { skip: !canRunLab() && 'needs root (docker, debootstrap)' }, () => {
  let lab: LabFixture;
  let spec: LabFixture['spec'];
  let env: LabFixture['env'];
  let taskQueue: string;
  const workers: ChildProcess[] = [];
  const sh = (host: string, command: string) => lab.sh(host, command);

  function startWorker(): Promise<ChildProcess> {
    const child = spawn(BIN, ['worker'], {
      env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: taskQueue },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    workers.push(child);
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (d) => String(d).includes('hakube worker on task queue') && resolve(child));
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
    });
  }

  before(async () => {
    // The workers are `hakube worker` processes of their own, killed and replaced by the test.
    lab = await openLabFixture('lab-crash', { inProcessWorker: false });
    ({ spec, env, taskQueue } = lab);
  });
  after(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM');
    await lab?.close();
  });

  test('the run completes with a healthy 3-member etcd; finished host workflows ran once', { timeout: 12 * 60_000 }, async () => {
    // Start from masters without etcd data, so the etcd phase has real work to do.
    for (const m of spec.masters) await sh(m, `systemctl stop etcd 2>/dev/null; rm -rf /var/lib/etcd/${spec.name}; true`);
    const first = await startWorker();
    const { handle } = await startOrAttach(lab.client, spec, {
      taskQueue,
      onlyPhases: ['preflight', 'runtime', 'etcd'],
      autoApproveReboots: true,
      options: { force: true }, // the lab's hosts hold the cluster of the test before this one: taken as they are
    });
    await waitFor(
      'the etcd phase running',
      async () => (await progressOf(handle)).phases.find((p) => p.id === 'etcd')!.state === 'running',
      8 * 60_000,
    );
    const exited = new Promise((r) => first.once('exit', r));
    first.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    await startWorker();
    await handle.result();
    console.log(`lab: run completed ${Math.round((Date.now() - killedAt) / 1000)} s after the worker was killed`);

    await assertEtcdHealthy(lab, 'master03');
    for (const phase of ['preflight', 'runtime'])
      for (const host of spec.hosts.map((h) => h.name)) {
        let executions = 0;
        for await (const _ of lab.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}/${phase}/${host}'` })) executions++;
        assert.equal(executions, 1, `${phase}/${host} ran ${executions} times`);
      }
  });
});
