import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { temporalSettings } from '../../src/temporal/settings';

// HOME elsewhere: the developer's own ~/.config/temporalio/temporal.toml must not leak into these checks.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hakube-settings-'));
const base = { HOME: dir, XDG_CONFIG_HOME: dir };
const toml = path.join(dir, 'temporal.toml');
fs.writeFileSync(
  toml,
  [
    '[profile.default]',
    'address = "temporal.example:7233"',
    'namespace = "infra"',
    '[profile.cloud]',
    'address = "x.tmprl.cloud:7233"',
    'api_key = "k1"',
  ].join('\n'),
);

test('no address anywhere: the embedded server on 127.0.0.1, Web UI link, task queue hakube', () => {
  const s = temporalSettings(base);
  assert.deepEqual(
    { address: s.address, embedded: s.embedded, webUi: s.webUi, taskQueue: s.taskQueue, namespace: s.namespace },
    { address: '127.0.0.1:7233', embedded: true, webUi: 'http://localhost:8233', taskQueue: 'hakube', namespace: 'default' },
  );
});

test('HAKUBE_EMBEDDED_PORT moves the embedded server and its Web UI (port + 1000 unless HAKUBE_EMBEDDED_UI_PORT)', () => {
  const s = temporalSettings({ ...base, HAKUBE_EMBEDDED_PORT: '17400' });
  assert.deepEqual([s.address, s.webUi, s.embeddedUiPort], ['127.0.0.1:17400', 'http://localhost:18400', 18400]);
  const ui = temporalSettings({ ...base, HAKUBE_EMBEDDED_PORT: '17400', HAKUBE_EMBEDDED_UI_PORT: '17401' });
  assert.deepEqual([ui.webUi, ui.embeddedUiPort], ['http://localhost:17401', 17401]);
  assert.throws(() => temporalSettings({ ...base, HAKUBE_EMBEDDED_PORT: 'x' }), /HAKUBE_EMBEDDED_PORT=x: a TCP port/);
  assert.equal(
    temporalSettings({ ...base, HAKUBE_EMBEDDED_PORT: '17400', TEMPORAL_ADDRESS: 'x:1' }).address,
    'x:1',
    'a configured server wins',
  );
});

test('TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY (TLS implied), TEMPORAL_TASK_QUEUE', () => {
  const s = temporalSettings({
    ...base,
    TEMPORAL_ADDRESS: 'x:7233',
    TEMPORAL_NAMESPACE: 'ns',
    TEMPORAL_API_KEY: 'secret',
    TEMPORAL_TASK_QUEUE: 'q',
  });
  assert.deepEqual(
    {
      address: s.address,
      namespace: s.namespace,
      apiKey: s.apiKey,
      tls: s.tls,
      embedded: s.embedded,
      taskQueue: s.taskQueue,
      webUi: s.webUi,
    },
    { address: 'x:7233', namespace: 'ns', apiKey: 'secret', tls: true, embedded: false, taskQueue: 'q', webUi: undefined },
  );
});

test('temporal.toml profiles: TEMPORAL_CONFIG_FILE and TEMPORAL_PROFILE; the environment overrides the profile', () => {
  const file = { ...base, TEMPORAL_CONFIG_FILE: toml };
  assert.equal(temporalSettings(file).address, 'temporal.example:7233');
  assert.equal(temporalSettings(file).namespace, 'infra');
  const cloud = temporalSettings({ ...file, TEMPORAL_PROFILE: 'cloud' });
  assert.deepEqual([cloud.address, cloud.apiKey, cloud.tls], ['x.tmprl.cloud:7233', 'k1', true]);
  assert.equal(temporalSettings({ ...file, TEMPORAL_NAMESPACE: 'other' }).namespace, 'other');
  assert.equal(temporalSettings({ ...file, TEMPORAL_ADDRESS: '' }).embedded, true, 'an empty TEMPORAL_ADDRESS still means embedded');
  assert.throws(() => temporalSettings({ ...file, TEMPORAL_PROFILE: 'nope' }), /Profile 'nope' not found/);
});

test('TLS files per the SDK names; the old hakube names are refused with the new one', () => {
  const crt = path.join(dir, 'c.pem');
  fs.writeFileSync(crt, 'CERT');
  const s = temporalSettings({ ...base, TEMPORAL_ADDRESS: 'x:1', TEMPORAL_TLS_CLIENT_CERT_PATH: crt, TEMPORAL_TLS_CLIENT_KEY_PATH: crt });
  assert.equal(typeof s.tls === 'object' && Buffer.from(s.tls.clientCertPair!.crt).toString(), 'CERT');
  assert.throws(
    () => temporalSettings({ ...base, TEMPORAL_ADDRESS: 'x:1', TEMPORAL_TLS_CLIENT_CERT_PATH: crt }),
    /certificate and key must be given together/,
  );
  assert.throws(
    () => temporalSettings({ ...base, TEMPORAL_TLS_CERT: crt }),
    /TEMPORAL_TLS_CERT is no longer read: use TEMPORAL_TLS_CLIENT_CERT_PATH/,
  );
  assert.throws(() => temporalSettings({ ...base, TEMPORAL_API_KEY: 'k' }), /no Temporal address/);
});
