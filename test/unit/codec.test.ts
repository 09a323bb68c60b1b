import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { AesGcmCodec, ENCRYPTED_ENCODING, METADATA_KEY_ID, openCodec } from '../../src/temporal/codec';
import { codecKeysFile, KeyFile, rotateKeyFile } from '../../src/temporal/codec-keys';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hakube-codec-'));
const SECRET = { name: 'prod-cluster', hosts: ['10.1.2.3'], keyPath: '/home/op/.ssh/id_ed25519' };
const plain = (): Payload => defaultPayloadConverter.toPayload(SECRET);
const value = (p: Payload) => defaultPayloadConverter.fromPayload(p);
const meta = (p: Payload, k: string) => Buffer.from(p.metadata![k]!).toString();

test('round trip: encrypted with the current key id and binary/encrypted, nothing readable, decoded back', async () => {
  const codec = openCodec(path.join(tmp(), 'keys.json'));
  const [enc] = await codec.encode([plain()]);
  assert.equal(meta(enc, 'encoding'), ENCRYPTED_ENCODING);
  assert.match(meta(enc, METADATA_KEY_ID), /^k\d{8}-[0-9a-f]{8}$/);
  const raw = Buffer.from(enc.data!).toString('latin1');
  for (const s of ['prod-cluster', '10.1.2.3', 'id_ed25519', 'json/plain']) assert.ok(!raw.includes(s), `${s} in the ciphertext`);
  const [dec] = await codec.decode([enc]);
  assert.deepEqual(value(dec), SECRET);
  assert.equal(meta(dec, 'encoding'), 'json/plain');
  // Two encryptions of the same value differ (a fresh IV each time).
  const [again] = await codec.encode([plain()]);
  assert.notDeepEqual(Buffer.from(again.data!), Buffer.from(enc.data!));
  // Unencrypted payloads (older histories, the replay fixture) pass through.
  assert.deepEqual(value((await codec.decode([plain()]))[0]), SECRET);
});

test('a key id the file does not hold: a clear error naming the id and the file', async () => {
  const dir = tmp();
  const [enc] = await openCodec(path.join(dir, 'a.json')).encode([plain()]);
  const other = path.join(dir, 'b.json');
  await assert.rejects(openCodec(other).decode([enc]), (err: Error) => {
    assert.match(err.message, new RegExp(`encrypted with key "${meta(enc, METADATA_KEY_ID)}", which is not in ${other}`));
    return true;
  });
});

test('a tampered ciphertext, tag or key id: refused, never garbage', async () => {
  const codec = openCodec(path.join(tmp(), 'keys.json'));
  const [enc] = await codec.encode([plain()]);
  for (const at of [12, 20, enc.data!.length - 1]) {
    const data = Buffer.from(enc.data!);
    data[at] ^= 1;
    await assert.rejects(codec.decode([{ ...enc, data }]), /fails authentication: it was altered/);
  }
  await assert.rejects(codec.decode([{ ...enc, data: Buffer.from(enc.data!).subarray(0, 20) }]), /too short/);
  const { [METADATA_KEY_ID]: _dropped, ...noId } = enc.metadata!;
  await assert.rejects(codec.decode([{ ...enc, metadata: noId }]), /carries no encryption-key-id/);
});

test('the key file is created 0600 in a 0700 directory, under HAKUBE_HOME or at HAKUBE_CODEC_KEYS', () => {
  const home = path.join(tmp(), 'home');
  const file = codecKeysFile({ HAKUBE_HOME: home });
  assert.equal(file, path.join(home, 'codec-keys.json'));
  assert.equal(codecKeysFile({ HAKUBE_HOME: home, HAKUBE_CODEC_KEYS: '/srv/keys.json' }), '/srv/keys.json');
  const ring = KeyFile.open(file);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal(fs.statSync(home).mode & 0o777, 0o700);
  assert.equal(ring.current().key.length, 32);
  assert.deepEqual(ring.ids(), [ring.current().id]);
  assert.equal(KeyFile.open(file).current().id, ring.current().id, 'opened again: the same key, not a new one');
});

test('a key file readable by group or others is refused, naming the file and chmod 600', async () => {
  const file = path.join(tmp(), 'keys.json');
  const codec = openCodec(file);
  const [enc] = await codec.encode([plain()]);
  fs.chmodSync(file, 0o644);
  assert.throws(
    () => KeyFile.open(file),
    new RegExp(`codec key file ${file} is readable or writable by group or others \\(mode 0644\\): run \`chmod 600 ${file}\``),
  );
  // A worker that already had it open refuses too (the mode is checked on every use).
  await assert.rejects(codec.decode([enc]), /chmod 600/);
  fs.chmodSync(file, 0o640);
  assert.throws(() => KeyFile.open(file), /mode 0640/);
  fs.chmodSync(file, 0o600);
  assert.deepEqual(value((await codec.decode([enc]))[0]), SECRET);
});

test('rotation: a new current key for new payloads; payloads of every older key still decode, also in a running codec', async () => {
  const file = path.join(tmp(), 'keys.json');
  const running = new AesGcmCodec(KeyFile.open(file));
  const [before] = await running.encode([plain()]);
  const first = meta(before, METADATA_KEY_ID);
  const r1 = rotateKeyFile(file);
  const r2 = rotateKeyFile(file);
  assert.equal(r2.count, 3);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const [after] = await running.encode([plain()]);
  assert.equal(meta(after, METADATA_KEY_ID), r2.id, 'the running codec picked up the rotation');
  assert.notEqual(r1.id, first);
  const fresh = openCodec(file);
  assert.deepEqual((await fresh.decode([before, after])).map(value), [SECRET, SECRET]);
  assert.deepEqual(new KeyFile(file).ids().length, 3);
});

test('a damaged key file is refused with the reason, not replaced', () => {
  const file = path.join(tmp(), 'keys.json');
  fs.writeFileSync(file, JSON.stringify({ current: 'a', keys: [{ id: 'a', key: Buffer.alloc(16).toString('base64') }] }), { mode: 0o600 });
  assert.throws(() => KeyFile.open(file), /keys\[0\] \(a\): the key must be 32 bytes/);
  fs.writeFileSync(file, JSON.stringify({ current: 'b', keys: [{ id: 'a', key: Buffer.alloc(32).toString('base64') }] }));
  assert.throws(() => KeyFile.open(file), /"current" \(b\) names no key/);
  assert.throws(() => rotateKeyFile(file), /names no key/);
});
