// What the Temporal server stores when hakube's codec is on: an install run through a client and a
// worker with the codec, then its histories read raw (as the server, its database or anyone with
// read access to the namespace sees them) and through the codec server (as the operator's Web UI).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Payload } from '@temporalio/common';
import { loadInventory } from '../../src/inventory/load';
import { installWorkflowId, progressOf, startOrAttach } from '../../src/temporal/client';
import { ENCRYPTED_ENCODING, METADATA_KEY_ID } from '../../src/temporal/codec';
import { startCodecServer } from '../../src/temporal/codec-server';
import { writeInventory } from '../helpers/inventory';
import { INSTALL } from '../../src/workflows/operations';
import { codecClient, startTestEnvironment, testCodec, waitFor, withFakeWorker } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
before(async () => (env = await startTestEnvironment()));
after(async () => env?.teardown());

/** Every Payload in a history (any object with metadata and data), wherever it sits in an event, with its path. */
function payloadsIn(node: unknown, where = '', out: { where: string; payload: Payload }[] = []) {
  if (!node || typeof node !== 'object' || node instanceof Uint8Array) return out;
  const o = node as Record<string, unknown>;
  if (o.metadata && typeof o.metadata === 'object' && 'data' in o) out.push({ where, payload: o as Payload });
  else for (const [k, v] of Object.entries(o)) payloadsIn(v, `${where}.${k}`, out);
  return out;
}

async function rawHistory(workflowId: string) {
  const events = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    // The raw gRPC service: no data converter, no codec, what the server holds.
    const page = await env.client.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId },
      nextPageToken,
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return events;
}

/** A client with a fresh codec key file of its own (the worker gets the same codec). */
function codecSetup() {
  const codec = testCodec();
  return { codec, client: codecClient(env, codec.dataConverter) };
}

const meta = (p: Payload, k: string) => (p.metadata?.[k] ? Buffer.from(p.metadata[k]!).toString() : undefined);
const b64 = (b?: Uint8Array | null) => Buffer.from(b ?? []).toString('base64');

test('no payload in the stored history holds the inventory in plain text; the codec server decodes it', { timeout: 120_000 }, async () => {
  const file = writeInventory((doc) => doc.set('name', `vault${process.pid}`));
  const spec = { ...loadInventory(file, { requireKeyFiles: true }).spec, verify: { ha: false } };
  const secrets = [spec.name, ...spec.hosts.map((h) => h.address), spec.hosts[0].ssh.keyPath];
  const { codec, client } = codecSetup();
  const calls = await withFakeWorker(env, { dataConverter: codec.dataConverter }, async (calls, taskQueue) => {
    const { handle } = await startOrAttach(client, spec, { taskQueue });
    const result = await handle.result();
    assert.ok(result.phases.length > 5, 'the install ran through the codec on both sides');
    return calls;
  });

  const workflowIds = [installWorkflowId(spec.name), ...new Set(calls.map((c) => c.workflowId!))];
  assert.ok(workflowIds.length > 10, 'the host workflows too');
  const all: { where: string; payload: Payload }[] = [];
  for (const id of workflowIds) {
    const payloads = payloadsIn(await rawHistory(id));
    assert.ok(payloads.length > 0, `${id} has payloads`);
    all.push(...payloads);
  }
  // hakube's search attributes: the server indexes them in plain text, so they hold only what the
  // workflow ids already show (cluster name, operation, phase id, host name), never an address or a path.
  const inWorkflowIds = new Set([spec.name, 'install', ...INSTALL.map((ph) => ph.id), ...spec.hosts.map((h) => h.name)]);
  let hakubeAttributes = 0;
  for (const { where: w, payload: p } of all) {
    const stored = Buffer.from(p.data ?? []).toString('latin1') + JSON.stringify(p.metadata);
    if (/\.searchAttributes\.indexedFields\.Hakube[A-Za-z]+$/.test(w)) {
      hakubeAttributes++;
      assert.ok(inWorkflowIds.has(JSON.parse(Buffer.from(p.data ?? []).toString()) as string), `${w}: ${stored}`);
      continue;
    }
    for (const s of secrets) assert.ok(!stored.includes(s), `"${s}" in a stored payload at ${w}`);
    // Past any codec by design, and checked above to hold no inventory: the patch marker the SDK core
    // writes itself (the patch id), and search attributes (the server indexes them: TemporalChangeVersion).
    if (w.endsWith('markerRecordedEventAttributes.details.patch-data.payloads.0') || w.includes('.searchAttributes.indexedFields.')) {
      assert.match(stored, /^(\{"id":"[a-z-]+","deprecated":(true|false)\}|\["[a-z-]+"(,"[a-z-]+")*\])/, `${w}: ${stored}`);
      continue;
    }
    assert.equal(meta(p, 'encoding'), ENCRYPTED_ENCODING, `the payload at ${w} stored as ${meta(p, 'encoding')}`);
    assert.ok(meta(p, METADATA_KEY_ID), 'the key id travels with the payload');
  }

  assert.ok(hakubeAttributes > workflowIds.length, 'the run and its host workflows carry their search attributes');

  // The workflow's input (the whole inventory) through the codec server, as the Web UI asks for it.
  const started = (await rawHistory(installWorkflowId(spec.name)))[0].workflowExecutionStartedEventAttributes!;
  const input = started.input!.payloads![0];
  const server = await startCodecServer({
    codec: codec.dataConverter.payloadCodecs[0],
    port: 0,
    uiOrigins: ['http://localhost:8233'],
    namespace: 'default',
  });
  try {
    // As the Web UI 2.54 asks: with a query string.
    const ask = (headers: Record<string, string>) =>
      fetch(`${server.url}/decode?preserveStorageRefs=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          payloads: [{ metadata: Object.fromEntries(Object.entries(input.metadata!).map(([k, v]) => [k, b64(v)])), data: b64(input.data) }],
        }),
      });
    const res = await ask({ origin: 'http://localhost:8233', 'x-namespace': 'default' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:8233');
    const body = (await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    assert.equal(Buffer.from(body.payloads[0].metadata.encoding, 'base64').toString(), 'json/plain');
    const decoded = JSON.parse(Buffer.from(body.payloads[0].data, 'base64').toString()) as { spec: typeof spec };
    assert.equal(decoded.spec.name, spec.name);
    assert.deepEqual(
      decoded.spec.hosts.map((h) => h.address),
      spec.hosts.map((h) => h.address),
    );
    assert.equal((await ask({ 'x-namespace': 'other' })).status, 403, 'another namespace is refused');
    assert.equal((await ask({ origin: 'https://evil.example' })).status, 403, 'another web origin is refused');
  } finally {
    await server.close();
  }
});

test('failure messages are stored encoded too; the operator still reads them', { timeout: 120_000 }, async () => {
  const spec = {
    ...loadInventory(
      writeInventory((doc) => doc.set('name', `fail${process.pid}`)),
      { requireKeyFiles: true },
    ).spec,
    verify: { ha: false },
  };
  const { codec, client } = codecSetup();
  const failing = new Set(['installHaproxy@worknode01']);
  await withFakeWorker(env, { failing, dataConverter: codec.dataConverter }, async (_calls, taskQueue) => {
    const { handle } = await startOrAttach(client, spec, { taskQueue });
    await waitFor('the haproxy pause', async () => (await progressOf(handle)).status === 'paused', 60_000);
    const paused = (await progressOf(handle)).phases.find((p) => p.id === 'haproxy')!.hosts.worknode01;
    assert.match(paused.error!, /installHaproxy failed on worknode01: port 6443 already in use/, 'decoded for the operator');
    // The failed activity is in the host workflow's history now; the paused run is not needed further.
    await handle.terminate('test done');
  });
  const hostWorkflow = `${installWorkflowId(spec.name)}/haproxy/worknode01`;
  const events = await rawHistory(hostWorkflow);
  const failed = events.find((e) => e.activityTaskFailedEventAttributes)!.activityTaskFailedEventAttributes!.failure!;
  assert.equal(failed.message, 'Encoded failure', 'the message is replaced by the encoded attributes');
  assert.equal(meta(failed.encodedAttributes!, 'encoding'), ENCRYPTED_ENCODING);
  for (const id of [installWorkflowId(spec.name), hostWorkflow]) {
    const stored = JSON.stringify(await rawHistory(id));
    assert.ok(!stored.includes('port 6443 already in use'), `a failure message in clear in ${id}`);
    assert.ok(!stored.includes('at Function.nonRetryable'), `a stack trace in clear in ${id}`);
  }
});
