// The reset operation on the shared engine, on a real Temporal dev server with faked activities: its
// phases in order as barriers, the operator's host selection and options reaching every step, one
// operation at a time per cluster, and `-c NAME` reading the installed inventory back from history.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadInventory } from '../../src/inventory/load';
import type { ClusterSpec } from '../../src/inventory/spec';
import { RESET } from '../../src/workflows/operations';
import { abort, currentOperation, progressOf, recordedSpec, startOrAttach } from '../../src/temporal/client';
import { codecTestEnvironment, waitFor } from '../helpers/temporal';
import { EXAMPLE } from '../helpers/inventory';

const base = loadInventory(EXAMPLE, { requireKeyFiles: false }).spec;
let n = 0;
const specFor = (): ClusterSpec => ({ ...base, name: `r${process.pid}-${++n}` });
const RESET_STEPS = ['kubeadmReset', 'removeWorkloadContainers', 'removeCniState', 'removeHaproxy', 'stopEtcd', 'releasePackages'];

describe('resetCluster on a real Temporal dev server, activities faked', () => {
  const t = codecTestEnvironment();

  test('every host reset, API servers down before etcd stops, the options reach every step', async () => {
    await t.withWorker({ delayMs: 100 }, async (calls, taskQueue) => {
      const spec = specFor();
      const { handle } = await startOrAttach(t.client, spec, { taskQueue, operation: 'reset', options: { wipeEtcd: true, purge: false } });
      assert.equal(handle.workflowId, `hakube-${spec.name}.reset`);
      const result = await handle.result();
      assert.deepEqual(
        result.phases.map((p) => p.id),
        RESET.map((p) => p.id),
      );
      const resetCalls = calls.filter((c) => RESET_STEPS.includes(c.name));
      const hostsOf = (name: string) =>
        resetCalls
          .filter((c) => c.name === name)
          .map((c) => c.host)
          .sort();
      assert.deepEqual(hostsOf('kubeadmReset'), [...spec.hosts.map((h) => h.name)].sort());
      assert.deepEqual(hostsOf('stopEtcd'), [...spec.masters].sort());
      assert.deepEqual(hostsOf('releasePackages'), [...spec.hosts.map((h) => h.name)].sort());
      const lastNodeReset = Math.max(...resetCalls.filter((c) => c.name === 'removeHaproxy').map((c) => c.end!));
      const firstEtcdStop = Math.min(...resetCalls.filter((c) => c.name === 'stopEtcd').map((c) => c.start));
      assert.ok(lastNodeReset <= firstEtcdStop, 'etcd stopped while a node was still being reset');
      for (const c of resetCalls) assert.deepEqual(c.options, { wipeEtcd: true, purge: false }, `${c.name}@${c.host}`);
      assert.equal(calls.filter((c) => !RESET_STEPS.includes(c.name)).length, 0, 'a reset runs no install step');
    });
  });

  test('reset of named hosts: only they are touched, and a worker alone needs no etcd phase', async () => {
    await t.withWorker({}, async (calls, taskQueue) => {
      const spec = specFor();
      const { handle } = await startOrAttach(t.client, spec, { taskQueue, operation: 'reset', hosts: ['worknode02'] });
      const result = await handle.result();
      assert.deepEqual(
        result.phases.map((p) => p.id),
        ['reset-nodes', 'release-packages'],
      );
      assert.deepEqual([...new Set(calls.map((c) => c.host))], ['worknode02']);
      const progress = await progressOf(handle);
      assert.equal(progress.phases.find((p) => p.id === 'reset-etcd')?.state, 'skipped');
    });
  });

  test('one operation at a time: a reset is refused while the install runs, and the operator commands reach the running one', async () => {
    await t.withWorker({ rebootRequiredOn: new Set(['worknode01']) }, async (_calls, taskQueue) => {
      const spec = specFor();
      const { handle: install } = await startOrAttach(t.client, spec, { taskQueue });
      await waitFor('the install waits for a reboot approval', async () => (await progressOf(install)).status === 'waiting-approval');
      await assert.rejects(
        startOrAttach(t.client, spec, { taskQueue, operation: 'reset' }),
        (err: Error) => err.message.includes('its install is running') && err.message.includes(`hakube abort -c ${spec.name}`),
      );
      const current = await currentOperation(t.client, spec.name);
      assert.equal(current.operation, 'install');
      // -c NAME: the inventory the install was started with, decoded from its history.
      assert.deepEqual(await recordedSpec(t.client, spec.name), JSON.parse(JSON.stringify(spec)));
      await abort(install);
      await assert.rejects(install.result());
      // Once the install has ended, the reset starts.
      const { handle: reset, started } = await startOrAttach(t.client, spec, { taskQueue, operation: 'reset', hosts: ['worknode03'] });
      assert.ok(started);
      await reset.result();
      assert.equal((await currentOperation(t.client, spec.name)).operation, 'reset', 'the newest operation is the reset');
    });
  });

  test('-c NAME for a cluster Temporal never installed is refused, saying to use -f', async () => {
    await assert.rejects(recordedSpec(t.client, `never-${process.pid}`), /no install of it is recorded.*-f cluster\.yaml/);
  });
});
