// The upgrade on the shared engine, on a real Temporal dev server with faked activities: checked, an
// etcd snapshot, the first master (kubeadm upgrade apply), the other masters one at a time (upgrade
// node), then the workers in batches of --batch, each node's steps in kubeadm's documented order; with
// --approve-batches a batch is drained only after `hakube approve`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadInventory } from '../../src/inventory/load';
import type { ClusterSpec } from '../../src/inventory/spec';
import { UPGRADE } from '../../src/workflows/operations';
import { batchesOf } from '../../src/workflows/phase-model';
import { approve, progressOf, startOrAttach } from '../../src/temporal/client';
import { codecTestEnvironment, waitFor } from '../helpers/temporal';
import { EXAMPLE } from '../helpers/inventory';
import type { Call } from '../helpers/fake-activities';

const base = loadInventory(EXAMPLE, { requireKeyFiles: false }).spec;
let n = 0;
/** The example's cluster with five workers (batches of 2 then: 2, 2, 1). */
function specFor(): ClusterSpec {
  const extra = ['worknode04', 'worknode05'].map((name, i) => ({ ...base.hosts.at(-1)!, name, address: `10.0.0.${60 + i}` }));
  return {
    ...base,
    name: `up${process.pid}-${++n}`,
    hosts: [...base.hosts, ...extra],
    workers: [...base.workers, ...extra.map((h) => h.name)],
  };
}
const NODE_STEPS = ['upgradeKubeadm', 'drainForUpgrade', 'upgradeKubelet', 'uncordonAfterUpgrade', 'nodeUpgraded'];
const stepsOn = (calls: Call[], host: string) => calls.filter((c) => c.host === host).map((c) => c.name);
/** When the host's first and last calls started and ended. */
const spanOf = (calls: Call[], host: string) => {
  const of = calls.filter((c) => c.host === host);
  return { start: Math.min(...of.map((c) => c.start)), end: Math.max(...of.map((c) => c.end!)) };
};

describe('batchesOf', () => {
  const hosts = ['a', 'b', 'c', 'd', 'e'];
  test('a count, a share rounded up, the default of one', () => {
    assert.deepEqual(batchesOf(hosts, '2'), [['a', 'b'], ['c', 'd'], ['e']]);
    assert.deepEqual(batchesOf(hosts, '20%'), [['a'], ['b'], ['c'], ['d'], ['e']]);
    assert.deepEqual(batchesOf(hosts, '50%'), [
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
    assert.deepEqual(batchesOf(hosts, '100%'), [hosts]);
    assert.deepEqual(
      batchesOf(hosts),
      hosts.map((h) => [h]),
    );
  });
});

describe('upgradeCluster on a real Temporal dev server, activities faked', () => {
  const t = codecTestEnvironment();

  test('first master, other masters one at a time, workers in batches of --batch; every node in kubeadm order', async () => {
    await t.withWorker({ delayMs: 30, rendezvous: { drainForUpgrade: 2 } }, async (calls, taskQueue) => {
      const spec = specFor();
      const options = { upgradeBatch: '2', backupDir: '/tmp/hakube-upgrade-test', keep: 5 };
      const { handle } = await startOrAttach(t.client, spec, { taskQueue, operation: 'upgrade', options });
      assert.equal(handle.workflowId, `hakube-${spec.name}.upgrade`);
      const result = await handle.result();
      assert.deepEqual(
        result.phases.map((p) => p.id),
        UPGRADE.map((p) => p.id),
      );
      const [m1, m2, m3] = spec.masters;
      assert.deepEqual(stepsOn(calls, m1), [
        'checkUpgrade',
        'snapshotEtcd',
        ...NODE_STEPS.slice(0, 2),
        'kubeadmUpgradeApply',
        ...NODE_STEPS.slice(2),
      ]);
      for (const m of [m2, m3])
        assert.deepEqual(stepsOn(calls, m), [...NODE_STEPS.slice(0, 2), 'kubeadmUpgradeNode', ...NODE_STEPS.slice(2)]);
      // Masters strictly one after another, the workers only after the last master.
      assert.ok(spanOf(calls, m1).end <= spanOf(calls, m2).start && spanOf(calls, m2).end <= spanOf(calls, m3).start);
      const [w1, w2, w3, w4, w5] = spec.workers;
      for (const w of spec.workers) {
        assert.ok(spanOf(calls, m3).end <= spanOf(calls, w).start, `${w} started before the masters were done`);
        assert.deepEqual(stepsOn(calls, w), ['workerUpgradeDue', ...NODE_STEPS.slice(0, 2), 'kubeadmUpgradeNode', ...NODE_STEPS.slice(2)]);
      }
      // Batches of two: the two of a batch overlap; a batch starts after the previous one is Ready.
      const overlap = (a: string, b: string) =>
        spanOf(calls, a).start < spanOf(calls, b).end && spanOf(calls, b).start < spanOf(calls, a).end;
      assert.ok(overlap(w1, w2) && overlap(w3, w4), 'the workers of a batch run at once');
      for (const [done, next] of [
        [[w1, w2], w3],
        [[w3, w4], w5],
      ] as const)
        for (const d of done) assert.ok(spanOf(calls, d).end <= spanOf(calls, next).start, `${next} started before ${d} was upgraded`);
      for (const c of calls.filter((c) => c.name !== 'compensate')) assert.deepEqual(c.options, options);
    });
  });

  test('with --approve-batches a batch waits for `hakube approve`; the next batch is not drained before its own approval', async () => {
    const spec = specFor();
    const approvalOn = new Set(spec.workers.map((w) => `workerUpgradeDue@${w}`));
    await t.withWorker({ approvalOn }, async (calls, taskQueue) => {
      const options = { upgradeBatch: '40%', approveBatches: true, backupDir: '/tmp/hakube-upgrade-test', keep: 5 };
      const { handle } = await startOrAttach(t.client, spec, { taskQueue, operation: 'upgrade', options });
      const [w1, w2, w3] = spec.workers;
      const waitingOf = async () => {
        const p = await progressOf(handle);
        const hosts = p.phases.find((x) => x.id === 'upgrade-workers')!.hosts;
        return Object.keys(hosts).filter((h) => hosts[h].state === 'waiting-approval');
      };
      const first = await waitFor('the first batch waiting for approval', async () => {
        const waiting = await waitingOf();
        return waiting.length === 2 && waiting;
      });
      assert.deepEqual(first.sort(), [w1, w2]);
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(!calls.some((c) => c.name === 'drainForUpgrade' && spec.workers.includes(c.host)), 'a worker drained before the approval');
      assert.deepEqual((await approve(handle, { all: true })).sort(), [w1, w2]);
      const second = await waitFor('the second batch waiting for approval', async () => {
        const waiting = await waitingOf();
        return waiting.length === 2 && waiting.includes(w3) && waiting;
      });
      assert.ok(!calls.some((c) => c.name === 'drainForUpgrade' && c.host === w3), `${w3} drained before its batch was approved`);
      assert.equal(calls.filter((c) => c.name === 'nodeUpgraded' && [w1, w2].includes(c.host)).length, 2, 'the first batch is done');
      await approve(handle, { all: true });
      // (the second batch's hosts leave their approval one by one: one of them alone still waiting is not the last batch)
      await waitFor('the last batch waiting for approval', async () => {
        const waiting = await waitingOf();
        return waiting.length === 1 && !second.includes(waiting[0]!);
      });
      await approve(handle, { all: true });
      await handle.result();
      assert.equal(calls.filter((c) => c.name === 'nodeUpgraded').length, spec.hosts.length);
    });
  });
});
