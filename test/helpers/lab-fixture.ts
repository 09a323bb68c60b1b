// The one fixture every lab test starts from: the six lab hosts (brought up if needed, taken down
// after only if this test started them), a real Temporal dev server, SSH to the hosts for checks, a
// cluster spec with a name of its own (one workflow id per test), and optionally a worker with the
// real activities in this process.
import type { OperationResult } from '../../src/contracts/progress';
import { etcdctlTlsFlags } from '../../src/activities/host/etcd-pki';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { SshPool } from '../../src/activities/ssh/pool';
import { exec, run } from '../../src/activities/ssh/exec';
import { hostByName, type ClusterSpec } from '../../src/inventory/spec';
import type { Client } from '@temporalio/client';
import { codecClient, startTestEnvironment, testCodec, workflowBundle } from './temporal';
import { labUp } from './lab';

export interface LabFixture {
  spec: ClusterSpec;
  env: TestWorkflowEnvironment;
  /** A client with hakube's codec: what the workers (in this process or `hakube worker`) encrypt, it reads. */
  client: Client;
  taskQueue: string;
  /** Runs a command on a lab host (as root) and returns its stdout as it is. */
  shRaw(host: string, command: string, timeoutMs?: number): Promise<string>;
  /** The same, trimmed. */
  sh(host: string, command: string, timeoutMs?: number): Promise<string>;
  /** Runs a command whatever its exit code: the code and stdout+stderr. */
  probe(host: string, command: string, timeoutMs?: number): Promise<{ code: number; out: string }>;
  close(): Promise<void>;
}

export async function openLabFixture(
  name: string,
  options: { fresh?: boolean; inProcessWorker?: boolean; kubernetes?: 'standin' | 'real' } = {},
): Promise<LabFixture> {
  const lab = labUp({ fresh: options.fresh, kubernetes: options.kubernetes });
  const spec: ClusterSpec = { ...lab.spec, name: `${name}-${process.pid}` };
  const taskQueue = `${name}-${process.pid}`;
  const env = await startTestEnvironment();
  // One key file for the whole test: `hakube worker` processes the tests spawn inherit it.
  const codec = testCodec();
  process.env.HAKUBE_CODEC_KEYS = codec.keysFile;
  const pool = new SshPool();
  const workerPool = new SshPool();
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  if (options.inProcessWorker !== false) {
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: createActivities({ pool: workerPool }),
      dataConverter: codec.dataConverter,
    });
    running = worker.run();
  }
  // Hosts are looked up in fixture.spec when called: a test that grows the lab sets a new spec.
  const shRaw = (host: string, command: string, timeoutMs?: number) =>
    run(pool, hostByName(fixture.spec, host).ssh, command, timeoutMs ? { timeoutMs } : {}).then((r) => r.stdout);
  const fixture: LabFixture = {
    spec,
    env,
    client: codecClient(env, codec.dataConverter),
    taskQueue,
    shRaw,
    sh: (host, command, timeoutMs) => shRaw(host, command, timeoutMs).then((s) => s.trim()),
    probe: (host, command, timeoutMs) =>
      exec(pool, hostByName(fixture.spec, host).ssh, command, timeoutMs ? { timeoutMs } : {}).then((r) => ({
        code: r.code ?? -1,
        out: r.stdout + r.stderr,
      })),
    async close() {
      worker?.shutdown();
      await running;
      await pool.closeAll();
      await workerPool.closeAll();
      await env.teardown();
      lab.down();
    },
  };
  return fixture;
}

/** Asserts, from `from`, that every master is a started etcd member and every endpoint is healthy. */
export async function assertEtcdHealthy(lab: LabFixture, from: string): Promise<void> {
  const ctl = `ETCDCTL_API=3 etcdctl${etcdctlTlsFlags(lab.spec)} --endpoints=${lab.spec.etcd.endpoints.join(',')}`;
  const members = (await lab.sh(from, `${ctl} member list -w simple`)).split('\n').map((l) => l.split(', '));
  assert.deepEqual(members.map((m) => m[2]).sort(), [...lab.spec.masters].sort());
  assert.ok(
    members.every((m) => m[1] === 'started'),
    JSON.stringify(members),
  );
  const health = await lab.sh(from, `${ctl} endpoint health 2>&1`);
  assert.equal(health.split('\n').filter((l) => l.includes('is healthy')).length, lab.spec.masters.length, health);
}

/** Prints each phase's wall time: from its first host workflow's start to its last one's close. */
export async function logPhaseTimes(lab: LabFixture, workflowId: string, result: OperationResult): Promise<void> {
  for (const phase of result.phases) {
    const times = await Promise.all(
      Object.keys(phase.hosts).map((h) => lab.client.workflow.getHandle(`${workflowId}/${phase.id}/${h}`).describe()),
    );
    const start = Math.min(...times.map((t) => t.startTime.getTime()));
    const end = Math.max(...times.map((t) => t.closeTime!.getTime()));
    console.log(`lab:   ${phase.id}: ${((end - start) / 1000).toFixed(1)} s on ${times.length} hosts`);
  }
}
