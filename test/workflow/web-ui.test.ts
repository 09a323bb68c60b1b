// The Web UI as the operator sees it: an install on the embedded dev server (fake activities), its page
// rendered by headless Chromium. The run's input is encrypted in history, so finding it readable in the
// page proves the browser went through hakube's codec server; the list filtered by hakube's search
// attributes shows the host workflows of one phase.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { hakubeDataConverter } from '../../src/temporal/codec';
import { startOrAttach } from '../../src/temporal/client';
import { loadInventory } from '../../src/inventory/load';
import { fakeActivities } from '../helpers/fake-activities';
import { workflowBundle } from '../helpers/temporal';
import { EXAMPLE } from '../helpers/inventory';
import { embeddedServerFixture } from '../helpers/embedded-server';

const CHROMIUM = '/usr/bin/chromium';
const fixture = embeddedServerFixture('hakube-webui-');

/** The page's text as Chromium renders it once its scripts ran (the UI fetches the workflow, then decodes through the codec server). */
async function renderedText(url: string): Promise<string> {
  // Not execFileSync: the codec server the page calls runs in this process (ensureDevServer).
  const { stdout: dom } = await promisify(execFile)(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--virtual-time-budget=10000', '--dump-dom', url],
    { encoding: 'utf8', timeout: 120_000 },
  );
  const text = dom
    .replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#x2F;/g, '/')
    .replace(/&amp;/g, '&');
  return text.replace(/\s+/g, ' ');
}

test(
  "the install's page in the Web UI: its input decrypted through the codec server; the list filtered by cluster and phase",
  { skip: !fs.existsSync(CHROMIUM) && `needs Debian's chromium (${CHROMIUM})`, timeout: 300_000 },
  async () => {
    const dataConverter = hakubeDataConverter(fixture.keys);
    const address = `127.0.0.1:${fixture.ports.frontend}`;
    const connection = await Connection.connect({ address });
    const nativeConnection = await NativeConnection.connect({ address });
    const client = new Client({ connection, dataConverter });
    const spec = { ...loadInventory(EXAMPLE, { requireKeyFiles: false }).spec, name: `webui${process.pid}`, verify: { ha: false } };
    const taskQueue = `webui-${process.pid}`;
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: fakeActivities({ delayMs: 5 }).activities,
      dataConverter,
    });
    try {
      await worker.runUntil(async () => {
        const { handle } = await startOrAttach(client, spec, { taskQueue });
        await handle.result();
      });
      const id = `hakube-${spec.name}`;
      const ui = `http://127.0.0.1:${fixture.ports.ui}/namespaces/default`;
      const page = await renderedText(`${ui}/workflows/${encodeURIComponent(id)}`);
      assert.ok(page.includes(`Workflow Type installCluster`), 'the page is the run');
      assert.ok(!page.includes('Codec Server could not connect'), 'the Web UI reached the codec server');
      assert.ok(page.includes(`"name" : "${spec.name}"`), 'the input, decrypted by the codec server, is readable');
      assert.ok(page.includes(`"address" : "${spec.hosts[0]!.address}"`), 'with the hosts');
      // The list of runs filtered by the cluster's search attributes: the phase's host workflows.
      const query = encodeURIComponent(`HakubeCluster="${spec.name}" AND HakubePhase="join-workers"`);
      const list = await renderedText(`${ui}/workflows?query=${query}`);
      for (const w of spec.workers) assert.ok(list.includes(`${id}/join-workers/${w}`), `${w}'s join-workers run is listed`);
      assert.ok(!list.includes(`${id}/preflight/`), 'other phases are filtered out');
    } finally {
      await nativeConnection.close();
      await connection.close();
    }
  },
);
