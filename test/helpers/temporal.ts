// A real Temporal dev server (the pinned CLI from scripts/setup.sh) for workflow tests, and one
// workflow bundle shared by all workers of a test file.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { hakubeDataConverter } from '../../src/temporal/codec';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { findTemporalCli } from '../../src/temporal/temporal-cli';
import { FAILURE_CONVERTER_PATH, WORKFLOWS_PATH } from '../../src/temporal/worker-paths';
import { fakeActivities, type Call, type FakeOptions } from './fake-activities';

export async function startTestEnvironment(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: findTemporalCli() }, ip: '127.0.0.1', ui: false },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH, // as the real worker bundles it
    logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as never,
  });
  return bundle;
}

export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A fresh codec key file of its own (HAKUBE_CODEC_KEYS for the CLI a test spawns), and the codec over it. */
export function testCodec(): { keysFile: string; dataConverter: ReturnType<typeof hakubeDataConverter> } {
  const keysFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hakube-keys-')), 'codec-keys.json');
  return { keysFile, dataConverter: hakubeDataConverter(keysFile) };
}

/** A client of the test server that encrypts and decrypts like hakube's CLI. */
export const codecClient = (env: TestWorkflowEnvironment, dataConverter: ReturnType<typeof testCodec>['dataConverter']) =>
  new Client({ connection: env.connection, namespace: env.namespace ?? 'default', dataConverter });

let queues = 0;
/** A worker with fake activities (fake-activities.ts) on a task queue of its own, for as long as `fn` runs. */
export async function withFakeWorker<T>(
  env: TestWorkflowEnvironment,
  options: FakeOptions & { dataConverter?: ReturnType<typeof testCodec>['dataConverter'] },
  fn: (calls: Call[], taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = `fake-q-${process.pid}-${++queues}`;
  const { dataConverter, ...fakeOptions } = options;
  const { activities, calls } = fakeActivities(fakeOptions);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
    ...(dataConverter && { dataConverter }),
  });
  return worker.runUntil(fn(calls, taskQueue));
}

/**
 * For a describe block: a dev server started before its tests and torn down after, a client with a
 * codec key file of its own, and workers with fake activities using the same codec.
 */
export function codecTestEnvironment() {
  const codec = testCodec();
  const t = {
    codec,
    env: undefined as unknown as TestWorkflowEnvironment,
    client: undefined as unknown as Client,
    withWorker: <T>(options: FakeOptions, fn: (calls: Call[], taskQueue: string) => Promise<T>) =>
      withFakeWorker(t.env, { ...options, dataConverter: codec.dataConverter }, fn),
  };
  before(async () => {
    t.env = await startTestEnvironment();
    t.client = codecClient(t.env, codec.dataConverter);
  });
  after(async () => t.env?.teardown());
  return t;
}
