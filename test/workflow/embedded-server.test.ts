// The embedded dev server as hakube starts it: every port on 127.0.0.1, the Web UI pointed at a codec
// server that runs as long as it does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { codecServerAnswers } from '../../src/temporal/codec-server';
import { ensureDevServer, portOpen, type DevServer } from '../../src/temporal/dev-server';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

let server: DevServer;
let ports: { frontend: number; ui: number; codec: number };
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hakube-home-'));
const saved = { home: process.env.HAKUBE_HOME, codec: process.env.HAKUBE_CODEC_PORT };

before(async () => {
  ports = { frontend: await freePort(), ui: await freePort(), codec: await freePort() };
  process.env.HAKUBE_HOME = home;
  process.env.HAKUBE_CODEC_PORT = String(ports.codec);
  server = await ensureDevServer(`127.0.0.1:${ports.frontend}`, { uiPort: ports.ui, codecKeys: path.join(home, 'codec-keys.json') });
});
after(async () => {
  await server?.stop();
  process.env.HAKUBE_HOME = saved.home;
  process.env.HAKUBE_CODEC_PORT = saved.codec;
  if (saved.home === undefined) delete process.env.HAKUBE_HOME;
  if (saved.codec === undefined) delete process.env.HAKUBE_CODEC_PORT;
});

test('the embedded server and its Web UI listen on 127.0.0.1 only', () => {
  // Every listening TCP socket of the dev server process (frontend, UI, HTTP API, metrics, internals).
  const pid = execFileSync('ss', ['-Htlnp'], { encoding: 'utf8' })
    .split('\n')
    .find((l) => l.includes(`:${ports.frontend} `))
    ?.match(/pid=(\d+)/)?.[1];
  assert.ok(pid, 'the dev server listens');
  const sockets = execFileSync('ss', ['-Htlnp'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => l.trim().split(/\s+/)[3]);
  assert.ok(
    sockets.some((s) => s === `127.0.0.1:${ports.ui}`),
    `the Web UI listens: ${sockets.join(' ')}`,
  );
  assert.deepEqual(
    sockets.filter((s) => !s.startsWith('127.0.0.1:')),
    [],
    'a socket not bound to 127.0.0.1',
  );
});

test('the Web UI is configured with the codec server, which runs on 127.0.0.1 and stops with the server', async () => {
  assert.ok(await codecServerAnswers(ports.codec));
  const settings = (await (await fetch(`http://127.0.0.1:${ports.ui}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
  assert.equal(settings.Codec?.Endpoint, `http://127.0.0.1:${ports.codec}`);
  const codecSockets = execFileSync('ss', ['-Htln'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[3])
    .filter((s) => s?.endsWith(`:${ports.codec}`));
  assert.deepEqual(codecSockets, [`127.0.0.1:${ports.codec}`]);
  assert.equal(fs.statSync(path.join(home, 'codec-keys.json')).mode & 0o777, 0o600);
  await server.stop();
  assert.equal(await codecServerAnswers(ports.codec), false, 'the codec server stopped with the dev server');
  assert.equal(await portOpen('127.0.0.1', ports.frontend), false);
});
