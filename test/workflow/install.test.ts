import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { spawnSync } from 'node:child_process';
import { findTemporalCli } from '../../src/temporal/temporal-cli';
import { WorkflowFailedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { loadInventory } from '../../src/inventory/load';
import type { ClusterSpec } from '../../src/inventory/spec';
import { INSTALL } from '../../src/workflows/operations';
import { planText } from '../../src/plan/render-plan';
import { resultSummary, statusTable } from '../../src/cli/progress-view';
import { abort, approve, progressOf, retry, startOrAttach } from '../../src/temporal/client';
import type { Call, FakeOptions } from '../helpers/fake-activities';
import { startTestEnvironment, waitFor, withFakeWorker, workflowBundle } from '../helpers/temporal';
import { EXAMPLE } from '../helpers/inventory';
import { approveSignal } from '../../src/workflows/messages';

const HISTORY_FIXTURE = path.resolve(__dirname, '../fixtures/install-history.json');
const base = loadInventory(EXAMPLE, { requireKeyFiles: false }).spec;
let n = 0;
/** A fresh cluster name per test: one workflow id per cluster. */
const specFor = (verifyHa = true): ClusterSpec => ({ ...base, name: `t${process.pid}-${++n}`, verify: { ha: verifyHa } });

describe('installCluster on a real Temporal dev server, activities faked', () => {
  let env: TestWorkflowEnvironment;
  let client: Client;
  before(async () => {
    env = await startTestEnvironment();
    client = env.client;
  });
  after(async () => env?.teardown());

  /** Runs fn with a worker on its own task queue, fake activities configured by options. */
  const withWorker = <T>(options: FakeOptions, fn: (calls: Call[], taskQueue: string) => Promise<T>) => withFakeWorker(env, options, fn);

  const firstStart = (calls: Call[], names: string[]) => Math.min(...calls.filter((c) => names.includes(c.name)).map((c) => c.start));

  test('phases run in the article order; parallel steps overlap; the other masters join at once', async () => {
    await withWorker({ delayMs: 150, warnOn: new Set(['master02']), rendezvous: { preflight: 6 } }, async (calls, taskQueue) => {
      const spec = specFor();
      const { handle } = await startOrAttach(client, spec, { taskQueue });
      const result = await handle.result();
      assert.equal(result.phases.length, INSTALL.length - 1, 'every phase but the kernel one ran');
      const order = [
        ['preflight'],
        ['applyKernelSettings'],
        ['installKubernetesPackages'],
        ['startEtcd'],
        ['kubeadmInit'],
        ['applyCni'],
      ].map((names) => firstStart(calls, names));
      assert.deepEqual(
        [...order].sort((a, b) => a - b),
        order,
        'phases out of order',
      );
      const joins = calls.filter((c) => c.name === 'joinNode');
      const masterJoins = joins.filter((c) => c.host.startsWith('master'));
      assert.deepEqual(masterJoins.map((c) => c.host).sort(), ['master02', 'master03']);
      const masterJoinsEnd = Math.max(...masterJoins.map((c) => c.end!));
      assert.ok(
        Math.max(...masterJoins.map((c) => c.start)) < Math.min(...masterJoins.map((c) => c.end!)),
        'the other masters join at once',
      );
      const workerJoins = joins.filter((c) => c.host.startsWith('worknode'));
      assert.ok(Math.max(...workerJoins.map((c) => c.start)) < Math.min(...workerJoins.map((c) => c.end!)), 'workers join in parallel');
      const preflight = calls.filter((c) => c.name === 'preflight');
      assert.equal(preflight.length, 6);
      assert.ok(Math.max(...preflight.map((c) => c.start)) < Math.min(...preflight.map((c) => c.end!)), 'preflight runs in parallel');
      assert.ok(firstStart(calls, ['installHaproxy']) > Math.max(...workerJoins.map((c) => c.end!)), "haproxy after the workers' joins");
      // Phases that do not need each other run at once: the workers' joins and the add-ons (on the first
      // master) beside the other masters' joins; the HA check after all of them.
      assert.ok(Math.min(...workerJoins.map((c) => c.start)) < masterJoinsEnd, 'workers join beside the masters');
      assert.ok(firstStart(calls, ['applyIngress']) < masterJoinsEnd, 'the ingress is applied beside the joins');
      const lastOf = (name: string) => Math.max(...calls.filter((c) => c.name === name).map((c) => c.end!));
      assert.ok(firstStart(calls, ['applyDashboard']) >= lastOf('applyIngress'), 'dashboard after ingress (same host)');
      assert.ok(
        firstStart(calls, ['verifyHa']) >= Math.max(lastOf('applyDashboard'), lastOf('nodeReady'), lastOf('joinNode')),
        'the HA check after everything',
      );
      assert.equal(calls.filter((c) => c.name === 'rebootHost').length, 0);
      // Every step is told the run's phases, in order (the runtime phase installs the later phases' packages).
      const ranPhases = INSTALL.map((p) => p.id).filter((id) => result.phases.some((p) => p.id === id));
      for (const c of calls.filter((c) => c.name === 'installContainerd'))
        assert.deepEqual(c.runPhases, ranPhases, `runPhases of installContainerd on ${c.host}`);
      // What ran on each host is what the phase declares, and what `hakube plan` prints.
      const plan = planText(spec);
      const progress = await progressOf(handle);
      for (const phase of result.phases) {
        const declaration = INSTALL.find((p) => p.id === phase.id)!;
        // Steps that do not apply to this cluster (`when`) are neither run nor planned.
        const steps = declaration.steps.filter((st) => st.kind !== 'activity' || !st.when || st.when(spec));
        const expected = steps.flatMap((st) =>
          st.kind === 'activity' ? [st.activity] : st.kind === 'reboot-if-required' ? ['rebootRequired'] : [],
        );
        const expectedWrites = steps.flatMap((st) =>
          st.kind === 'activity' ? [st.writes ?? []] : st.kind === 'reboot-if-required' ? [[]] : [],
        );
        for (const host of Object.keys(phase.hosts)) {
          const ran = calls.filter((c) => c.workflowId === `${handle.workflowId}/${phase.id}/${host}`).sort((a, b) => a.start - b.start);
          assert.deepEqual(
            ran.map((c) => c.name),
            expected,
            `${phase.id} on ${host}`,
          );
          assert.deepEqual(
            ran.map((c) => c.writes ?? []),
            expectedWrites,
            `${phase.id} on ${host}: declared files`,
          );
          // A "running" report per step; "done" rides on the host workflow's result, and the run shows it.
          const { events } = await client.workflow.getHandle(`${handle.workflowId}/${phase.id}/${host}`).fetchHistory();
          const reports = (events ?? []).filter(
            (e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'hostReport',
          );
          assert.equal(reports.length, steps.filter((st) => st.kind === 'activity').length, `${phase.id} on ${host}: reports`);
          const shown = progress.phases.find((p) => p.id === phase.id)!.hosts[host]!;
          assert.equal(shown.state, 'done', `${phase.id} on ${host}: shown done`);
          assert.deepEqual(shown.changed, phase.hosts[host]!.changed, `${phase.id} on ${host}: shown changed`);
          assert.equal('doneReport' in phase.hosts[host]!, false, 'the result lists what changed, not report marks');
        }
        for (const st of declaration.steps)
          if (st.kind === 'activity') assert.ok(plan.includes(`- ${st.title}: ${st.detail}`), `plan lacks ${phase.id}: ${st.title}`);
      }
      assert.equal(progress.status, 'completed');
      // A step's warning reaches the operator: in the progress (`up`, `status`) and in the final summary.
      assert.deepEqual(progress.phases.find((p) => p.id === 'preflight')!.hosts.master02.warnings, ['cgroup hybrid: fake warning']);
      assert.deepEqual(progress.phases.find((p) => p.id === 'preflight')!.hosts.master01.warnings, []);
      assert.match(statusTable(progress), /master02 +done\n +WARNING: cgroup hybrid: fake warning/);
      assert.match(resultSummary(result), /Warnings:\n +master02 +cgroup hybrid: fake warning/);
      assert.equal(progress.phases.find((p) => p.id === 'haproxy')!.hosts.worknode03.state, 'done');
      // Undo steps declared first are registered by the run as it starts a host workflow, without a signal
      // from it; preflight's (declared after its check) still comes by signal. Each host's are registered once.
      const undoSignals = async (phase: string, host: string) => {
        const { events } = await client.workflow.getHandle(`${handle.workflowId}/${phase}/${host}`).fetchHistory();
        return (events ?? []).filter(
          (e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'registerCompensation',
        ).length;
      };
      assert.equal(await undoSignals('etcd', 'master01'), 0, 'etcd: registered by the run');
      assert.equal(await undoSignals('haproxy', 'worknode01'), 0, 'haproxy: registered by the run');
      assert.equal(await undoSignals('preflight', 'master01'), 1, 'preflight: registered by its host workflow');
      const expectedUndo = progress.phases.reduce(
        (n, p) => n + Object.keys(p.hosts).length * INSTALL.find((d) => d.id === p.id)!.steps.filter((st) => st.kind === 'undo').length,
        0,
      );
      assert.equal(progress.compensationsRegistered, expectedUndo, 'every host’s undo steps, each once');
      // Keep this history for the replay test (regenerate with UPDATE_HISTORY=1 when the workflow changes on purpose).
      if (process.env.UPDATE_HISTORY || !fs.existsSync(HISTORY_FIXTURE)) {
        // The CLI's JSON export (the SDK's historyToJSON fails with this protobufjs): the format `temporal workflow show -o json` gives users too.
        const r = spawnSync(
          findTemporalCli(),
          ['workflow', 'show', '--address', env.address, '--workflow-id', handle.workflowId, '--output', 'json'],
          { encoding: 'utf8' },
        );
        assert.equal(r.status, 0, r.stderr);
        fs.writeFileSync(HISTORY_FIXTURE, JSON.stringify({ workflowId: handle.workflowId, ...JSON.parse(r.stdout) }));
      }
    });
  });

  test('no reboot before the approval signal; a reboot after it', async () => {
    await withWorker({ rebootRequiredOn: new Set(['worknode02']) }, async (calls, taskQueue) => {
      const { handle } = await startOrAttach(client, specFor(), { taskQueue });
      await waitFor('worknode02 waiting for approval', async () => {
        const p = await progressOf(handle);
        return p.phases.find((x) => x.id === 'runtime')!.hosts.worknode02.state === 'waiting-approval' && p.status === 'waiting-approval';
      });
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(calls.filter((c) => c.name === 'rebootHost').length, 0, 'rebooted without approval');
      assert.equal(calls.filter((c) => c.name === 'startEtcd').length, 0, 'the next phase must wait for the host');
      await assert.rejects(
        approve(handle, { hosts: ['worknode01'] }),
        (e: Error) => e instanceof WorkflowUpdateFailedError && /worknode01 is not waiting/.test(e.cause?.message ?? ''),
      );
      await assert.rejects(approve(handle, { hosts: ['nosuchhost'] }), (e: Error) =>
        /not a host of cluster/.test((e as WorkflowUpdateFailedError).cause?.message ?? ''),
      );
      assert.deepEqual(await approve(handle, { hosts: ['worknode02'] }), ['worknode02']);
      await handle.result();
      assert.deepEqual(
        calls.filter((c) => c.name === 'rebootHost').map((c) => c.host),
        ['worknode02'],
      );
    });
  });

  test('an approval of a report the host has gone past (a lagging view, another run of it) approves nothing', async () => {
    await withWorker({ rebootRequiredOn: new Set(['worknode02']) }, async (calls, taskQueue) => {
      const { handle } = await startOrAttach(client, specFor(), { taskQueue });
      const state = async () => (await progressOf(handle)).phases.find((x) => x.id === 'runtime')!.hosts.worknode02.state;
      await waitFor('worknode02 waiting for approval', async () => (await state()) === 'waiting-approval');
      const host = client.workflow.getHandle(`${handle.workflowId}/runtime/worknode02`);
      const { runId } = await host.describe();
      // What a run whose view lagged behind would forward: a report from before this wait began (its first
      // step's), a report of another run of the host workflow.
      await host.signal(approveSignal, { run: runId, seq: 1 });
      await host.signal(approveSignal, { run: 'another-run', seq: 1000 });
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(calls.filter((c) => c.name === 'rebootHost').length, 0, 'a stale approval rebooted the host');
      assert.equal(await state(), 'waiting-approval');
      // The run names the report it shows: taken.
      assert.deepEqual(await approve(handle, { hosts: ['worknode02'] }), ['worknode02']);
      await handle.result();
      assert.deepEqual(
        calls.filter((c) => c.name === 'rebootHost').map((c) => c.host),
        ['worknode02'],
      );
    });
  });

  test('approve as a Signal (the Web UI, `temporal workflow signal`): the same check; a refused one is shown in the progress', async () => {
    await withWorker({ rebootRequiredOn: new Set(['worknode02']) }, async (calls, taskQueue) => {
      const { handle } = await startOrAttach(client, specFor(), { taskQueue });
      await waitFor('worknode02 waiting for approval', async () => (await progressOf(handle)).status === 'waiting-approval');
      await handle.signal('approve', { hosts: ['worknode01'] });
      const refused = await waitFor('the refusal in the progress', async () => (await progressOf(handle)).refusedSignals);
      assert.deepEqual(refused, ['signal approve {"hosts":["worknode01"]} refused: worknode01 is not waiting for an approval']);
      assert.match(statusTable(await progressOf(handle)), /signal approve .* refused: worknode01 is not waiting/);
      assert.equal(calls.filter((c) => c.name === 'rebootHost').length, 0, 'a refused signal approves nothing');
      await handle.signal('approve', { all: true });
      await handle.result();
      assert.deepEqual(
        calls.filter((c) => c.name === 'rebootHost').map((c) => c.host),
        ['worknode02'],
      );
    });
  });

  test('a haproxy failure runs the kubelet.conf compensation and pauses; retry after the fix completes', async () => {
    const failing = new Set(['installHaproxy@worknode02']);
    await withWorker({ failing }, async (calls, taskQueue) => {
      const { handle } = await startOrAttach(client, specFor(), { taskQueue });
      const paused = await waitFor('worknode02 paused', async () => {
        const p = await progressOf(handle);
        const h = p.phases.find((x) => x.id === 'haproxy')!.hosts;
        return p.status === 'paused' && h.worknode01.state === 'done' && h.worknode03.state === 'done' && h.worknode02;
      });
      assert.equal(paused.state, 'paused');
      assert.match(paused.error!, /port 6443 already in use/);
      assert.equal(paused.step, 'haproxy on 127.0.0.1:6443');
      const undo = calls.filter((c) => c.name === 'compensate');
      assert.equal(undo.length, 1);
      assert.equal(undo[0].host, 'worknode02');
      assert.deepEqual(undo[0].compensation!.restoreFiles, [
        '/etc/haproxy/haproxy.cfg',
        '/etc/kubernetes/kubelet.conf',
        '/etc/kubernetes/bootstrap-kubelet.conf',
      ]);
      assert.deepEqual(undo[0].compensation!.restartUnits, ['kubelet']);
      assert.equal(calls.filter((c) => c.name === 'switchKubeletToLocalProxy' && c.host === 'worknode02').length, 0);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(calls.filter((c) => c.name === 'verifyHa').length, 0, 'paused: nothing after haproxy runs');
      failing.clear(); // the operator fixed the host
      assert.deepEqual(await retry(handle, { hosts: ['worknode02'] }), ['worknode02']);
      await handle.result();
      assert.equal(calls.filter((c) => c.name === 'switchKubeletToLocalProxy' && c.host === 'worknode02').length, 1);
    });
  });

  test('abort before the cluster exists runs every registered compensation in reverse, each once', async () => {
    const failing = new Set(['startEtcd@master02']);
    await withWorker({ failing }, async (calls, taskQueue) => {
      const { handle } = await startOrAttach(client, specFor(), { taskQueue });
      await waitFor('paused', async () => (await progressOf(handle)).status === 'paused');
      // A retry that fails again registers the phase's undo again: it is kept once.
      const registered = (await progressOf(handle)).compensationsRegistered;
      await retry(handle, { hosts: ['master02'] });
      await waitFor('paused again', async () => {
        const p = await progressOf(handle);
        return p.status === 'paused' && calls.filter((c) => c.name === 'startEtcd' && c.host === 'master02').length === 2;
      });
      assert.equal((await progressOf(handle)).compensationsRegistered, registered);
      const before = calls.filter((c) => c.name === 'compensate').length;
      await abort(handle, 'test');
      await assert.rejects(
        handle.result(),
        (e: Error) => e instanceof WorkflowFailedError && /aborted by the operator/.test(e.cause?.message ?? ''),
      );
      const run = calls
        .filter((c) => c.name === 'compensate')
        .slice(before)
        .map((c) => c.compensation!);
      assert.equal(run.length, registered);
      // Registration order: preflight (6 hosts), runtime (6), etcd (3): undone newest first.
      const phasesRun = run.map((c) => c.phase);
      const firstIndex = (p: string) => phasesRun.indexOf(p as never);
      assert.ok(firstIndex('etcd') < firstIndex('runtime') && firstIndex('runtime') < firstIndex('preflight'), phasesRun.join());
      assert.equal(phasesRun.filter((p) => p === 'preflight').length, 6);
      assert.equal(phasesRun.filter((p) => p === 'etcd').length, 3);
      assert.equal(phasesRun[phasesRun.length - 1], 'preflight');
      assert.equal((await progressOf(handle)).status, 'aborted');
    });
  });

  test('abort once the cluster exists undoes only the hosts of the phase in flight', async () => {
    await withWorker({ failing: new Set(['installHaproxy@worknode02']) }, async (calls, taskQueue) => {
      const { handle } = await startOrAttach(client, specFor(), { taskQueue });
      await waitFor('worknode02 paused, worknode01 and 03 done', async () => {
        const p = await progressOf(handle);
        const h = p.phases.find((x) => x.id === 'haproxy')!.hosts;
        return p.status === 'paused' && h.worknode01.state === 'done' && h.worknode03.state === 'done';
      });
      const before = calls.filter((c) => c.name === 'compensate').length;
      await abort(handle, 'test');
      await assert.rejects(
        handle.result(),
        (e: Error) =>
          e instanceof WorkflowFailedError && /the cluster exists, so only the phase in flight was undone/.test(e.cause?.message ?? ''),
      );
      const run = calls
        .filter((c) => c.name === 'compensate')
        .slice(before)
        .map((c) => `${c.compensation!.phase}@${c.host}`);
      // worknode01 and 03 finished haproxy; swap, containerd and etcd stay as a working cluster needs them.
      assert.deepEqual(run, ['haproxy@worknode02']);
    });
  });

  test('an undo that fails does not stop the others; the run ends aborted with errors, naming it', async () => {
    await withWorker({ failing: new Set(['startEtcd@master02', 'compensate@master03']) }, async (calls, taskQueue) => {
      const { handle } = await startOrAttach(client, specFor(), { taskQueue });
      await waitFor('master02 paused, master03 done', async () => {
        const p = await progressOf(handle);
        return p.status === 'paused' && p.phases.find((x) => x.id === 'etcd')!.hosts.master03.state === 'done';
      });
      const registered = (await progressOf(handle)).compensationsRegistered;
      const before = calls.filter((c) => c.name === 'compensate').length;
      await abort(handle, 'test');
      await assert.rejects(handle.result(), (e: Error) => {
        const message = (e as WorkflowFailedError).cause?.message ?? '';
        return /4 undo step\(s\) FAILED/.test(message) && /master03: .*finish it on master03 as root: .*systemctl stop etcd/.test(message);
      });
      const attempted = calls.filter((c) => c.name === 'compensate').slice(before);
      assert.equal(attempted.length, registered, 'every undo was attempted');
      const progress = await progressOf(handle);
      assert.equal(progress.status, 'aborted-with-errors');
      // master03's preflight, runtime, etcd-join and etcd undo fail; the others ran.
      assert.equal(progress.compensationsFailed!.length, 4);
      assert.equal(progress.compensationsRun.length, registered - 4);
      assert.match(statusTable(progress), /compensations FAILED/);
    });
  });

  test('after phases that changed nothing the HA check runs quiet; asked for by name or after a change, in full', async () => {
    const verifyHaCalls = (calls: Call[]) => calls.filter((c) => c.name === 'verifyHa');
    await withWorker({ unchanged: true }, async (calls, taskQueue) => {
      await (await startOrAttach(client, specFor(), { taskQueue })).handle.result();
      assert.deepEqual(
        verifyHaCalls(calls).map((c) => c.quiet),
        [true],
        'a no-op run asks the check to run only if it never passed',
      );
      await (await startOrAttach(client, specFor(), { taskQueue, onlyPhases: ['verify-ha'] })).handle.result();
      assert.deepEqual(
        verifyHaCalls(calls).map((c) => c.quiet),
        [true, undefined],
        '--only verify-ha runs it in full',
      );
    });
    await withWorker({}, async (calls, taskQueue) => {
      await (await startOrAttach(client, specFor(), { taskQueue })).handle.result();
      assert.deepEqual(
        verifyHaCalls(calls).map((c) => c.quiet),
        [undefined],
        'a run that changed something checks HA in full',
      );
    });
    // The add-ons now finish before the check (they run beside the joins), but are listed after it: a
    // changed add-on is no reason to stop an API server.
    await withWorker({ changedOnly: new Set(['applyIngress', 'applyDashboard']) }, async (calls, taskQueue) => {
      await (await startOrAttach(client, specFor(), { taskQueue })).handle.result();
      assert.deepEqual(
        verifyHaCalls(calls).map((c) => c.quiet),
        [true],
        'only the add-ons changed: the check runs quiet',
      );
    });
  });

  test("the last full install's state record: when it holds on every host nothing runs; else every step, then new records", async () => {
    const spec = specFor();
    const hosts = spec.hosts.map((h) => h.name);
    const phaseSteps = (calls: Call[]) => calls.filter((c) => !['checkStateRecord', 'recordState'].includes(c.name));
    await withWorker({ recordHoldsOn: new Set(hosts) }, async (calls, taskQueue) => {
      const { handle } = await startOrAttach(client, spec, { taskQueue });
      const result = await handle.result();
      assert.deepEqual(result.unchangedSince, { run: 'lab-earlier-run', at: '2026-11-28T06:00:00.000Z' });
      assert.deepEqual(
        calls.map((c) => c.name).sort(),
        hosts.map(() => 'checkStateRecord'),
        'one check per host, no step',
      );
      assert.match(resultSummary(result), /^Nothing changed: every host and the cluster are as the full install lab-earlier-run left them/);
      const progress = await progressOf(handle);
      assert.ok(
        progress.phases.every((p) => p.state === 'done' || p.state === 'skipped'),
        JSON.stringify(progress.phases.map((p) => p.state)),
      );
    });
    await withWorker({ recordHoldsOn: new Set(hosts.slice(1)) }, async (calls, taskQueue) => {
      const result = await (await startOrAttach(client, specFor(), { taskQueue })).handle.result();
      assert.equal(result.unchangedSince, undefined);
      assert.match(result.stateRecord ?? '', new RegExp(`every step ran: ${hosts[0]}: packages differ`));
      assert.ok(
        phaseSteps(calls).some((c) => c.name === 'verifyHa'),
        'the phases ran',
      );
      const records = calls.filter((c) => c.name === 'recordState');
      assert.deepEqual(records.map((c) => c.host).sort(), [...hosts].sort(), 'every host records its state');
      const lastStep = Math.max(...phaseSteps(calls).map((c) => c.end ?? 0));
      assert.ok(
        records.every((c) => c.start >= lastStep),
        'records are written after every step has ended',
      );
    });
    await withWorker({ recordHoldsOn: new Set(hosts) }, async (calls, taskQueue) => {
      await (await startOrAttach(client, specFor(), { taskQueue, full: true })).handle.result();
      assert.ok(!calls.some((c) => c.name === 'checkStateRecord'), '--full does not look at the records');
      assert.equal(calls.filter((c) => c.name === 'recordState').length, hosts.length);
      calls.length = 0;
      await (await startOrAttach(client, specFor(), { taskQueue, onlyPhases: ['haproxy'] })).handle.result();
      assert.ok(!calls.some((c) => ['checkStateRecord', 'recordState'].includes(c.name)), '--only neither reads nor writes records');
      assert.deepEqual(
        [...new Set(calls.map((c) => c.runPhases?.join(',')))],
        ['haproxy'],
        '--only: the run is that phase alone (nothing is installed ahead for a phase not in it)',
      );
    });
  });

  test('a second start for the same cluster attaches to the running install', async () => {
    await withWorker({ rebootRequiredOn: new Set(['master01']) }, async (_calls, taskQueue) => {
      const spec = specFor();
      const first = await startOrAttach(client, spec, { taskQueue });
      const second = await startOrAttach(client, spec, { taskQueue });
      assert.equal(first.started, true);
      assert.equal(second.started, false);
      const [a, b] = await Promise.all([first.handle.describe(), second.handle.describe()]);
      assert.equal(a.runId, b.runId);
      await waitFor('approval', async () => (await progressOf(first.handle)).status === 'waiting-approval');
      await approve(second.handle, { all: true });
      await first.handle.result();
    });
  });

  test('the recorded histories replay against the current workflow code', async () => {
    // The one this file records, one recorded at 431705e (phases at once; haproxy after every join,
    // the needs a run keeps without the haproxy-beside-master-joins patch), and a host workflow (runtime on
    // master01) recorded at 7c6fce4, when each step waited for its report to reach the parent.
    const fixtures = ['install-history-phase-needs.json', 'host-phase-history-runtime.json'].map((f) =>
      path.resolve(__dirname, '../fixtures', f),
    );
    for (const file of [HISTORY_FIXTURE, ...fixtures]) {
      const recorded = JSON.parse(fs.readFileSync(file, 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, historyFromJSON(recorded), recorded.workflowId);
    }
  });
});
