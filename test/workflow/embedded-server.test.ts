// The embedded dev server as hakube starts it: every port on 127.0.0.1, the Web UI pointed at a codec
// server that runs as long as it does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { codecServerAnswers } from '../../src/temporal/codec-server';
import { embeddedServerFixture } from '../helpers/embedded-server';
import { portOpen } from '../../src/temporal/dev-server';

const fixture = embeddedServerFixture('hakube-home-');

test('the embedded server and its Web UI listen on 127.0.0.1 only', () => {
  // Every listening TCP socket of the dev server process (frontend, UI, HTTP API, metrics, internals).
  const pid = execFileSync('ss', ['-Htlnp'], { encoding: 'utf8' })
    .split('\n')
    .find((l) => l.includes(`:${fixture.ports.frontend} `))
    ?.match(/pid=(\d+)/)?.[1];
  assert.ok(pid, 'the dev server listens');
  const sockets = execFileSync('ss', ['-Htlnp'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => l.trim().split(/\s+/)[3]);
  assert.ok(
    sockets.some((s) => s === `127.0.0.1:${fixture.ports.ui}`),
    `the Web UI listens: ${sockets.join(' ')}`,
  );
  assert.deepEqual(
    sockets.filter((s) => !s.startsWith('127.0.0.1:')),
    [],
    'a socket not bound to 127.0.0.1',
  );
});

test('the Web UI is configured with the codec server, which runs on 127.0.0.1 and stops with the server', async () => {
  assert.ok(await codecServerAnswers(fixture.ports.codec));
  const settings = (await (await fetch(`http://127.0.0.1:${fixture.ports.ui}/api/v1/settings`)).json()) as {
    Codec?: { Endpoint?: string };
  };
  assert.equal(settings.Codec?.Endpoint, `http://127.0.0.1:${fixture.ports.codec}`);
  const codecSockets = execFileSync('ss', ['-Htln'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[3])
    .filter((s) => s?.endsWith(`:${fixture.ports.codec}`));
  assert.deepEqual(codecSockets, [`127.0.0.1:${fixture.ports.codec}`]);
  assert.equal(fs.statSync(path.join(fixture.home, 'codec-keys.json')).mode & 0o777, 0o600);
  await fixture.server.stop();
  assert.equal(await codecServerAnswers(fixture.ports.codec), false, 'the codec server stopped with the dev server');
  assert.equal(await portOpen('127.0.0.1', fixture.ports.frontend), false);
});
