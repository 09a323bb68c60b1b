// The lab's real Temporal deployment (docker-compose.temporal.yml, lab/temporal/): PostgreSQL, the schema
// job, frontend, history, matching and worker in containers of their own and the Web UI server, all built
// here from their upstream Go modules and Debian. Brought up by lab/temporal/up.sh (cached builds; the
// first one takes minutes), reached only through the settings hakube reads (TEMPORAL_ADDRESS and the TLS
// variables of @temporalio/envconfig), taken down afterwards unless it was already running.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadInventory } from '../../src/inventory/load';
import { INSTALL } from '../../src/workflows/operations';
import { startOrAttach } from '../../src/temporal/client';
import { connectionOptions, temporalSettings, type TemporalSettings } from '../../src/temporal/settings';
import { fakeActivities } from '../helpers/fake-activities';
import { testCodec, waitFor, workflowBundle } from '../helpers/temporal';
import { EXAMPLE } from '../helpers/inventory';

const DIR = path.resolve(__dirname, '../../lab/temporal');
const PROJECT = 'hakube-temporal';
const hasGo = () => spawnSync('sh', ['-c', 'command -v go || test -x /usr/local/go/bin/go'], { stdio: 'ignore' }).status === 0;
const hasDocker = () =>
  spawnSync('sh', ['-c', 'command -v dockerd || command -v apt-get'], { stdio: 'ignore' }).status === 0 &&
  spawnSync('sh', ['-c', 'command -v docker'], { stdio: 'ignore' }).status === 0;
// Opt-in (HAKUBE_TEMPORAL_DEPLOYMENT=1): its first build takes about 23 minutes on a 2-core machine
// (temporal-server 635 s, docker compose 494 s), which a cold CI run cannot add to the real Kubernetes lane's.
const skip =
  process.getuid?.() !== 0
    ? 'needs root (docker, debootstrap)'
    : process.env.HAKUBE_TEMPORAL_DEPLOYMENT !== '1'
      ? 'HAKUBE_TEMPORAL_DEPLOYMENT=1 runs it (a cold build of about 23 minutes)'
      : !hasDocker()
        ? 'needs docker (or apt-get to install docker.io)'
        : !hasGo()
          ? 'needs Go (the server is built from its module)'
          : false;

/** The container of one compose service of the deployment, by compose's labels. */
function containerOf(service: string): string {
  const r = spawnSync(
    'docker',
    ['ps', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--filter', `label=com.docker.compose.service=${service}`],
    { encoding: 'utf8' },
  );
  const id = r.stdout.trim().split('\n')[0];
  if (r.status !== 0 || !id) throw new Error(`no running container of ${service}: ${r.stderr}`);
  return id;
}

/** `docker restart` of a service's container (SIGTERM, then SIGKILL after 10 s), in seconds. */
function restart(service: string): number {
  const t = Date.now();
  const r = spawnSync('docker', ['restart', '--time', '10', containerOf(service)], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`docker restart ${service}: ${r.stderr || r.error}`);
  return (Date.now() - t) / 1000;
}

/** The variables lab/temporal/up.sh wrote (`export NAME=value` lines). */
function readEnvFile(file: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (m) vars[m[1]!] = m[2]!;
  }
  return vars;
}

describe('the real multi-service Temporal deployment of the lab (docker-compose.temporal.yml)', { skip }, () => {
  let alreadyUp = false;
  let env: NodeJS.ProcessEnv;
  let settings: TemporalSettings;
  before(
    () => {
      alreadyUp = spawnSync('sh', ['-c', `docker ps -q --filter label=com.docker.compose.project=${PROJECT} | grep -q .`]).status === 0;
      const t = Date.now();
      const r = spawnSync('bash', [path.join(DIR, 'up.sh')], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 60 * 60_000 });
      if (r.status !== 0) throw new Error(`lab/temporal/up.sh failed (${r.status ?? r.signal})`);
      console.error(`# lab/temporal/up.sh: ${((Date.now() - t) / 1000).toFixed(1)}s${alreadyUp ? ' (was running)' : ''}`);
      // Only the deployment's own variables: none of the caller's TEMPORAL_* (a profile, an API key) leak in.
      const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_')));
      env = { ...base, ...readEnvFile(path.join(DIR, '.state/env')) };
      settings = temporalSettings(env);
    },
    { timeout: 61 * 60_000 },
  );
  after(() => {
    if (alreadyUp) return;
    const r = spawnSync('bash', [path.join(DIR, 'down.sh'), '--volumes'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 180_000 });
    if (r.status !== 0) throw new Error(`lab/temporal/down.sh failed (${r.status ?? r.signal})`);
  });

  test('hakube reaches the frontend only over TLS, with the settings @temporalio/envconfig reads', async () => {
    assert.equal(settings.embedded, false);
    assert.ok(settings.tls && typeof settings.tls === 'object', 'TLS from TEMPORAL_TLS_SERVER_CA_CERT_PATH');
    assert.equal(settings.tls.serverNameOverride, 'temporal-frontend');
    const connection = await Connection.connect({ ...connectionOptions(settings), connectTimeout: 10_000 });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      assert.match(info.serverVersion ?? '', /^1\.32\./, 'the server built from go.temporal.io/server');
    } finally {
      await connection.close();
    }
    await assert.rejects(
      Connection.connect({ address: settings.address, connectTimeout: 5_000 }),
      'a plaintext client is refused by the TLS frontend',
    );
    const untrusted = { ...settings, tls: { serverNameOverride: 'temporal-frontend' } };
    await assert.rejects(
      Connection.connect({ ...connectionOptions(untrusted), connectTimeout: 5_000 }),
      'a client that does not trust the lab CA is refused',
    );
    // The Web UI server talks to the frontend over TLS too: it lists the namespaces.
    const r = await fetch(`${env.TEMPORAL_WEB_UI}/api/v1/namespaces`, { signal: AbortSignal.timeout(15_000) });
    assert.equal(r.status, 200, `Web UI server: ${r.status} ${await r.clone().text()}`);
    const body = (await r.json()) as { namespaces?: { namespaceInfo?: { name?: string } }[] };
    assert.ok(
      body.namespaces?.some((n) => n.namespaceInfo?.name === 'default'),
      'the UI server sees namespace default',
    );
  });

  test(
    "hakube's install (fake activities) completes while the history service and the frontend restart",
    { timeout: 15 * 60_000 },
    async (t) => {
      const { dataConverter } = testCodec();
      const connection = await Connection.connect(connectionOptions(settings));
      const client = new Client({ connection, namespace: settings.namespace, dataConverter });
      const nativeConnection = await NativeConnection.connect(connectionOptions(settings));
      const taskQueue = `deployment-${process.pid}`;
      const { activities, calls } = fakeActivities({ delayMs: 400 });
      const worker = await Worker.create({
        connection: nativeConnection,
        taskQueue,
        workflowBundle: await workflowBundle(),
        activities,
        dataConverter,
      });
      const base = loadInventory(EXAMPLE, { requireKeyFiles: false }).spec;
      const spec = { ...base, name: `deploy${process.pid}` };
      const done = (n: number) => calls.filter((c) => c.end !== undefined).length >= n;
      const marks: Record<string, number> = {};
      try {
        await worker.runUntil(async () => {
          const t0 = Date.now();
          const { handle } = await startOrAttach(client, spec, { taskQueue });
          await waitFor('10 activities done', async () => done(10), 120_000);
          marks.historyRestartAt = calls.length;
          marks.historyRestartS = restart('temporal-history');
          await waitFor('10 more activities after the history restart', async () => done(marks.historyRestartAt! + 10), 180_000);
          marks.frontendRestartAt = calls.length;
          marks.frontendRestartS = restart('temporal-frontend');
          await waitFor('10 more activities after the frontend restart', async () => done(marks.frontendRestartAt! + 10), 180_000);
          // Polled (every call may meet the frontend coming back), bounded.
          await waitFor(
            'the install to complete',
            async () => {
              try {
                const d = await handle.describe();
                if (d.status.name === 'FAILED' || d.status.name === 'TERMINATED') throw new Error(`install ${d.status.name}`);
                return d.status.name === 'COMPLETED';
              } catch (err) {
                if (/install (FAILED|TERMINATED)/.test((err as Error).message)) throw err;
                return false;
              }
            },
            300_000,
          );
          const result = await handle.result();
          assert.equal(result.phases.length, INSTALL.length - 1, 'every phase but the kernel one ran');
          const { events } = await handle.fetchHistory();
          t.diagnostic(
            `install of ${spec.name}: ${((Date.now() - t0) / 1000).toFixed(1)}s, ${calls.length} activity calls, ` +
              `${events?.length} events in the run's history; history restarted after ${marks.historyRestartAt} calls ` +
              `(${marks.historyRestartS}s), frontend after ${marks.frontendRestartAt} (${marks.frontendRestartS}s)`,
          );
          const attempts = new Map<string, number>();
          for (const c of calls) {
            const key = `${c.name}@${c.host} in ${c.workflowId}`;
            attempts.set(key, (attempts.get(key) ?? 0) + 1);
          }
          const repeated = [...attempts].filter(([, n]) => n > 1).map(([k, n]) => `${k} x${n}`);
          t.diagnostic(`steps run more than once (retries, or steps a phase runs twice): ${repeated.join(', ') || 'none'}`);
          // Visible through visibility (PostgreSQL) with hakube's search attributes.
          const listed = await waitFor(
            'the run in the visibility store',
            async () => {
              const ids: string[] = [];
              for await (const w of client.workflow.list({ query: `HakubeCluster = "${spec.name}"` })) ids.push(w.workflowId);
              return ids.includes(handle.workflowId) ? ids : undefined;
            },
            60_000,
          );
          assert.ok(listed.length > 1, 'the run and its host workflows carry HakubeCluster');
        });
      } finally {
        await nativeConnection.close();
        await connection.close();
      }
    },
  );
});
