// The certificate renewal on the shared engine, on a real Temporal dev server with faked activities:
// what is due is checked on every master at once, then etcd's certificates one master at a time, then
// the control plane's one master at a time, each behind its gate; with --approve a master waits for
// `hakube approve` before anything on it is renewed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Payload } from '@temporalio/common';
import { loadInventory } from '../../src/inventory/load';
import type { ClusterSpec } from '../../src/inventory/spec';
import { RENEW_CERTS } from '../../src/workflows/operations';
import {
  approve,
  currentOperation,
  OPERATION_WORKFLOW_TYPES,
  operationWorkflowId,
  progressOf,
  startOrAttach,
} from '../../src/temporal/client';
import { deleteSchedule, scheduleOperation, schedulesOf } from '../../src/temporal/schedules';
import type { Call } from '../helpers/fake-activities';
import { codecTestEnvironment, waitFor } from '../helpers/temporal';
import { EXAMPLE } from '../helpers/inventory';

const base = loadInventory(EXAMPLE, { requireKeyFiles: false }).spec;
let n = 0;
const specFor = (): ClusterSpec => ({ ...base, name: `rc${process.pid}-${++n}` });
/** Every message down an error's cause chain (a workflow's failure wraps its child's). */
const causes = (e: unknown): string => (e instanceof Error ? `${e.message}\n${causes(e.cause)}` : '');
const overlaps = (calls: Call[], name: string) => {
  const of = calls.filter((c) => c.name === name).sort((a, b) => a.start - b.start);
  return of.some((c, i) => i > 0 && c.start < of[i - 1]!.end!);
};

describe('renewCertificates on a real Temporal dev server, activities faked', () => {
  const t = codecTestEnvironment();

  test('etcd first, then the control plane, each one master at a time behind its gate', async () => {
    await t.withWorker({ delayMs: 30, rendezvous: { certificatesDue: 3 } }, async (calls, taskQueue) => {
      const spec = specFor();
      const options = { renewWithinDays: 30 };
      const { handle } = await startOrAttach(t.client, spec, { taskQueue, operation: 'renew-certs', options });
      assert.equal(handle.workflowId, `hakube-${spec.name}.renew-certs`);
      const result = await handle.result();
      assert.deepEqual(
        result.phases.map((p) => p.id),
        RENEW_CERTS.map((p) => p.id),
      );
      assert.ok(overlaps(calls, 'certificatesDue'), 'the due check runs on the masters at once');
      for (const step of ['renewEtcdCertificates', 'renewControlPlaneCertificates'])
        assert.ok(!overlaps(calls, step), `${step} ran on two masters at once`);
      const order = calls.filter((c) => c.name !== 'certificatesDue').map((c) => `${c.name}@${c.host}`);
      const [m1, m2, m3] = spec.masters;
      assert.deepEqual(order, [
        ...[m1, m2, m3].flatMap((m) => [`renewEtcdCertificates@${m}`, `etcdHealthy@${m}`]),
        ...[m1, m2, m3].flatMap((m) => [`renewControlPlaneCertificates@${m}`, `servesRenewedCertificate@${m}`]),
      ]);
      for (const c of calls) assert.deepEqual(c.options, options);

      // The Web UI reads like the plan: the run, each host's workflow and each activity carry summaries.
      assert.equal(await (await handle.describe()).staticSummary(), `certificate renewal of ${spec.name} (3 masters, 3 workers)`);
      const child = t.client.workflow.getHandle(`${handle.workflowId}/etcd-certs/${m2}`);
      assert.equal(await (await child.describe()).staticSummary(), `etcd-certs on ${m2}`);
      // Encrypted in history like every payload (the Web UI reads them through the codec server).
      const { payloadCodecs, payloadConverter } = t.client.options.loadedDataConverter;
      const summaries: string[] = [];
      for (const e of (await child.fetchHistory()).events!) {
        let p = e.activityTaskScheduledEventAttributes ? e.userMetadata?.summary : undefined;
        if (!p) continue;
        assert.ok(!Buffer.from(p.data!).toString().includes(m2), 'the summary is encrypted in history');
        for (const codec of [...payloadCodecs].reverse()) [p] = await codec.decode([p as Payload]);
        summaries.push(payloadConverter.fromPayload<string>(p as Payload));
      }
      assert.deepEqual(summaries, [`etcd certificates renewed on ${m2}`, `etcd cluster healthy on ${m2}`]);

      // The workflow list filters to one cluster, operation, phase or host (the Web UI's query box).
      const listed = async (query: string) => {
        const ids: string[] = [];
        for await (const w of t.client.workflow.list({ query })) ids.push(w.workflowId);
        return ids.sort();
      };
      const hostRuns = spec.masters.flatMap((m) => [
        `${handle.workflowId}/control-plane-certs/${m}`,
        `${handle.workflowId}/etcd-certs/${m}`,
      ]);
      // Visibility is eventually consistent: the list catches up within a second or so.
      await waitFor(
        'every run listed under the cluster',
        async () => (await listed(`HakubeCluster = '${spec.name}'`)).length === 1 + hostRuns.length + spec.masters.length,
      );
      assert.deepEqual(await listed(`HakubeCluster = '${spec.name}' AND HakubeOperation = 'renew-certs' AND HakubeHost = '${m2}'`), [
        `${handle.workflowId}/certs-due/${m2}`,
        `${handle.workflowId}/control-plane-certs/${m2}`,
        `${handle.workflowId}/etcd-certs/${m2}`,
      ]);
      assert.deepEqual(
        await listed(`HakubeCluster = '${spec.name}' AND HakubePhase = 'etcd-certs'`),
        spec.masters.map((m) => `${handle.workflowId}/etcd-certs/${m}`).sort(),
      );
    });
  });

  test('two runs started within a minute have tags of their own on the hosts (backups, "renewed by this run" markers)', async () => {
    await t.withWorker({}, async (calls, taskQueue) => {
      const spec = specFor();
      const runIds: string[] = [];
      for (let i = 0; i < 2; i++) {
        const { handle } = await startOrAttach(t.client, spec, { taskQueue, operation: 'renew-certs' });
        await handle.result();
        runIds.push((await handle.describe()).runId);
      }
      const tags = [...new Set(calls.map((c) => c.backupTag))];
      // Temporal's run ids start with a timestamp: two runs a few seconds apart share their first characters.
      assert.deepEqual(
        tags,
        runIds.map((id) => `${spec.name}-${id}`),
      );
    });
  });

  test('with --approve a master with certificates due waits for `hakube approve`; nothing on it is renewed before', async () => {
    await t.withWorker({ approvalOn: new Set(['certificatesDue@master02']) }, async (calls, taskQueue) => {
      const spec = specFor();
      const { handle } = await startOrAttach(t.client, spec, { taskQueue, operation: 'renew-certs', options: { approveRenewal: true } });
      const waiting = await waitFor('master02 waiting for approval', async () => {
        const p = await progressOf(handle);
        return p.status === 'waiting-approval' && p.phases.find((x) => x.id === 'certs-due')!.hosts.master02;
      });
      assert.match(waiting.step ?? '', /certificatesDue on master02: run `hakube approve master02`/);
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(!calls.some((c) => c.name.startsWith('renew')), 'renewed before the approval');
      assert.deepEqual(await approve(handle, { hosts: ['master02'] }), ['master02']);
      await handle.result();
      assert.equal(calls.filter((c) => c.name === 'renewEtcdCertificates').length, 3);
    });
  });

  test('a renewal schedule starts renewCertificates runs with its threshold; listed, then deleted', async () => {
    await t.withWorker({}, async (calls, taskQueue) => {
      const spec = specFor();
      const { scheduleId } = await scheduleOperation(t.client, spec, {
        operation: 'renew-certs',
        taskQueue,
        everyMs: 10_000,
        options: { renewWithinDays: 30 },
      });
      try {
        assert.equal(scheduleId, `hakube-${spec.name}.renew-certs-schedule`);
        await waitFor('a scheduled renewal ran', async () => calls.some((c) => c.name === 'renewControlPlaneCertificates'), 60_000);
        const [listed] = await schedulesOf(t.client, spec.name);
        assert.equal(listed!.every, '10s');
        assert.ok(listed!.recentRuns[0]!.workflowId.startsWith(`hakube-${spec.name}.renew-certs-`), listed!.recentRuns[0]!.workflowId);
        for (const c of calls) assert.deepEqual(c.options, { renewWithinDays: 30 });
      } finally {
        await deleteSchedule(t.client, scheduleId);
      }
      assert.deepEqual(await schedulesOf(t.client, spec.name), []);
    });
  });

  test('a scheduled run is one of the cluster operations: the CLI sees it, approves it, refuses another beside it; a scheduled run waits behind it', async () => {
    await t.withWorker({ approvalOn: new Set(['certificatesDue@master01']) }, async (calls, taskQueue) => {
      const spec = specFor();
      // Started as its Schedule starts it (the scheduled time appended to the id), with a long wait limit.
      await t.client.workflow.start(OPERATION_WORKFLOW_TYPES['renew-certs'], {
        workflowId: `${operationWorkflowId(spec.name, 'renew-certs')}-${new Date().toISOString()}`,
        taskQueue,
        args: [{ spec, options: { renewWithinDays: 30, approveRenewal: true }, waitLimitSeconds: 300 }],
      });
      const renewal = await waitFor('the scheduled renewal waits for approval', async () => {
        const op = await currentOperation(t.client, spec.name).catch(() => undefined);
        return op?.scheduled && (await progressOf(op.handle)).status === 'waiting-approval' && op;
      });
      assert.equal(renewal.operation, 'renew-certs');
      await assert.rejects(
        startOrAttach(t.client, spec, { taskQueue, operation: 'install' }),
        /a scheduled certificate renewal is running \(workflow hakube-rc\d+-\d+\.renew-certs-.*hakube abort/,
      );
      // Scheduled backups while the renewal waits: each waits behind it, touching no host; the first
      // gives up at its limit (the interval), one waiting when the renewal ends goes on.
      const backups = await scheduleOperation(t.client, spec, {
        operation: 'backup',
        taskQueue,
        everyMs: 10_000,
        options: { backupDir: '/var/backups/hakube', keep: 1 },
      });
      const backupRuns = async (status: string) => {
        const ids: string[] = [];
        for await (const w of t.client.workflow.list({ query: `WorkflowType = 'backupEtcd' AND ExecutionStatus = '${status}'` }))
          if (w.workflowId.startsWith(`hakube-${spec.name}.backup-`)) ids.push(w.workflowId);
        return ids;
      };
      try {
        const failed = await waitFor('a scheduled backup gave up', async () => (await backupRuns('Failed'))[0], 90_000);
        await assert.rejects(t.client.workflow.getHandle(failed).result(), (e: Error) =>
          /scheduled backup of .* did not start: hakube-.*renew-certs-.* still running after 10 s/.test(causes(e)),
        );
        assert.ok(!calls.some((c) => c.name === 'snapshotEtcd'), 'a backup touched a host beside the renewal');
        await waitFor('a scheduled backup waiting behind the renewal', async () => (await backupRuns('Running')).length > 0, 60_000);
        assert.deepEqual(await approve(renewal.handle, { all: true }), ['master01']);
        await renewal.handle.result();
        const renewalEnded = Math.max(...calls.map((c) => c.end ?? 0));
        await waitFor('the waiting backup went on', async () => calls.some((c) => c.name === 'snapshotEtcd'), 60_000);
        assert.ok(calls.find((c) => c.name === 'snapshotEtcd')!.start >= renewalEnded, 'the backup ran beside the renewal');
      } finally {
        await deleteSchedule(t.client, backups.scheduleId);
      }
    });
  });

  test('an unattended run gives up when nobody answers in time: a pause, or a wait for approval', async () => {
    await t.withWorker({ failing: new Set(['renewEtcdCertificates@master02']) }, async (calls, taskQueue) => {
      const paused = await startOrAttach(t.client, specFor(), { taskQueue, operation: 'renew-certs', waitLimitSeconds: 3 });
      await assert.rejects(paused.handle.result(), (e: Error) =>
        /etcd-certs on master02: paused after: .*nobody answered within 3 s/s.test(causes(e)),
      );
      assert.ok(!calls.some((c) => c.name === 'renewControlPlaneCertificates'), 'went on after the pause');
    });
    await t.withWorker({ approvalOn: new Set(['certificatesDue@master03']) }, async (calls, taskQueue) => {
      const waiting = await startOrAttach(t.client, specFor(), {
        taskQueue,
        operation: 'renew-certs',
        options: { approveRenewal: true },
        waitLimitSeconds: 3,
      });
      await assert.rejects(waiting.handle.result(), (e: Error) =>
        /certs-due on master03: waiting for approval .*nobody answered within 3 s/s.test(causes(e)),
      );
      assert.ok(!calls.some((c) => c.name.startsWith('renew')), 'renewed without an approval');
    });
  });
});
