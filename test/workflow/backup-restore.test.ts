// The backup and restore operations on the shared engine, on a real Temporal dev server with faked
// activities: the backup's one step on the first master with the operator's options; the restore's
// phases as barriers (every API server down before any etcd member is replaced, every member restored
// before an API server comes back); an abort while the API servers are being stopped puts them back,
// one once they are all down leaves them down.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadInventory } from '../../src/inventory/load';
import type { ClusterSpec } from '../../src/inventory/spec';
import type { OperationOptions } from '../../src/contracts/activity-request';
import { RESTORE } from '../../src/workflows/operations';
import { abort, progressOf, startOrAttach } from '../../src/temporal/client';
import type { Call } from '../helpers/fake-activities';
import { codecTestEnvironment, waitFor } from '../helpers/temporal';
import { EXAMPLE } from '../helpers/inventory';

const base = loadInventory(EXAMPLE, { requireKeyFiles: false }).spec;
let n = 0;
const specFor = (): ClusterSpec => ({ ...base, name: `br${process.pid}-${++n}` });
const RESTORE_OPTIONS: OperationOptions = {
  snapshotFile: '/var/backups/hakube/article-20261127T141500Z.db',
  snapshotSha256: 'ab'.repeat(32),
};
const span = (calls: Call[], name: string) => {
  const of = calls.filter((c) => c.name === name);
  return { first: Math.min(...of.map((c) => c.start)), last: Math.max(...of.map((c) => c.end!)), hosts: of.map((c) => c.host).sort() };
};

describe('backupEtcd and restoreEtcd on a real Temporal dev server, activities faked', () => {
  const t = codecTestEnvironment();

  test('a backup is one snapshot step on the first master, with the directory and retention asked for', async () => {
    await t.withWorker({}, async (calls, taskQueue) => {
      const spec = specFor();
      const options = { backupDir: '/var/backups/hakube', keep: 3 };
      const { handle } = await startOrAttach(t.client, spec, { taskQueue, operation: 'backup', options });
      assert.equal(handle.workflowId, `hakube-${spec.name}.backup`);
      await handle.result();
      assert.deepEqual(
        calls.map((c) => [c.name, c.host, c.options]),
        [['snapshotEtcd', spec.firstMaster, options]],
      );
    });
  });

  test('a restore runs its phases as barriers on every master, the snapshot reaching every member', async () => {
    await t.withWorker({ delayMs: 50 }, async (calls, taskQueue) => {
      const spec = specFor();
      const { handle } = await startOrAttach(t.client, spec, { taskQueue, operation: 'restore', options: RESTORE_OPTIONS });
      const result = await handle.result();
      assert.deepEqual(
        result.phases.map((p) => p.id),
        RESTORE.map((p) => p.id),
      );
      const stop = span(calls, 'stopApiServer');
      const restore = span(calls, 'restoreEtcdMember');
      const start = span(calls, 'startApiServer');
      for (const s of [stop, restore, start]) assert.deepEqual(s.hosts, [...spec.masters].sort());
      assert.ok(stop.last <= restore.first, 'an etcd member was replaced while an API server still ran');
      assert.ok(span(calls, 'etcdHealthy').last <= start.first, 'an API server came back before etcd was healthy');
      for (const c of calls.filter((x) => x.name === 'restoreEtcdMember')) assert.deepEqual(c.options, RESTORE_OPTIONS);
      assert.deepEqual(span(calls, 'clusterNodesReady').hosts, [spec.firstMaster]);
    });
  });

  /** A restore that pauses on `failing`, aborted: the compensations it ran, as phase@host. */
  const abortedRestore = (failing: string) =>
    t.withWorker({ failing: new Set([failing]) }, async (calls, taskQueue) => {
      const { handle } = await startOrAttach(t.client, specFor(), { taskQueue, operation: 'restore', options: RESTORE_OPTIONS });
      await waitFor(`${failing} paused`, async () => (await progressOf(handle)).status === 'paused');
      await abort(handle, 'test');
      await assert.rejects(handle.result());
      // A failed host's undo runs when it pauses and again with the abort (idempotent): counted once.
      return [...new Set(calls.filter((c) => c.name === 'compensate').map((c) => `${c.compensation!.phase}@${c.host}`))].sort();
    });

  test('a restore aborted while API servers are being stopped puts every one of them back', async () => {
    assert.deepEqual(await abortedRestore('stopApiServer@master02'), [
      'api-servers-stop@master01',
      'api-servers-stop@master02',
      'api-servers-stop@master03',
    ]);
  });

  test('a restore aborted once every API server is down leaves them down (never started on a half-restored etcd)', async () => {
    assert.deepEqual(await abortedRestore('restoreEtcdMember@master02'), []);
  });
});
