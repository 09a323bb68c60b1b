// Host key pinning: any recorded key must match whatever type is offered, hashed entries count,
// revoked keys are refused, strict mode refuses unknown hosts, first contact records exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import { checkHostKey, fingerprint, recordedTypes } from '../../src/activities/ssh/known-hosts';
import { tempDir } from '../helpers/inventory';

/** An SSH wire-format public key blob of a type (random key bytes: only identity matters here). */
function blob(type: string): Buffer {
  const t = Buffer.from(type);
  const k = randomBytes(32);
  const len = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  return Buffer.concat([len(t.length), t, len(k.length), k]);
}
const line = (host: string, b: Buffer, type: string) => `${host} ${type} ${b.toString('base64')}\n`;

test('a host recorded with one key type is refused when it offers another type', () => {
  const file = path.join(tempDir(), 'known_hosts');
  const ed = blob('ssh-ed25519');
  fs.writeFileSync(file, line('[10.0.0.1]:2222', ed, 'ssh-ed25519'));
  assert.equal(checkHostKey(file, '10.0.0.1', 2222, ed), true);
  const ecdsa = blob('ecdsa-sha2-nistp256');
  assert.throws(
    () => checkHostKey(file, '10.0.0.1', 2222, ecdsa),
    (e: Error) => e.name === 'HostKeyMismatchError' && e.message.includes(fingerprint(ed)),
  );
  assert.equal(fs.readFileSync(file, 'utf8'), line('[10.0.0.1]:2222', ed, 'ssh-ed25519'), 'nothing recorded');
  assert.deepEqual(recordedTypes(file, '10.0.0.1', 2222), ['ssh-ed25519']);
});

test('hashed known_hosts entries (HashKnownHosts) are matched', () => {
  const file = path.join(tempDir(), 'known_hosts');
  const ed = blob('ssh-ed25519');
  const salt = randomBytes(20);
  const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('10.0.0.2').digest('base64')}`;
  fs.writeFileSync(file, line(hashed, ed, 'ssh-ed25519'));
  assert.equal(checkHostKey(file, '10.0.0.2', 22, ed), true);
  assert.throws(() => checkHostKey(file, '10.0.0.2', 22, blob('ssh-ed25519')), /host key of 10\.0\.0\.2 changed/);
  assert.equal(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length, 1);
});

test('a revoked key is refused; strict mode refuses a host with no recorded key', () => {
  const file = path.join(tempDir(), 'known_hosts');
  const ed = blob('ssh-ed25519');
  fs.writeFileSync(file, `@revoked ${line('10.0.0.3', ed, 'ssh-ed25519')}`);
  assert.throws(() => checkHostKey(file, '10.0.0.3', 22, ed), /@revoked/);
  assert.throws(() => checkHostKey(file, '10.0.0.4', 22, ed, { strict: true }), /strict host key checking is on.*ssh-keyscan/);
  assert.ok(!fs.readFileSync(file, 'utf8').includes('10.0.0.4'));
});

test('first contact records the key once, tells its fingerprint, and keeps the other lines', () => {
  const file = path.join(tempDir(), 'known_hosts');
  fs.writeFileSync(file, '# comment\nother.example ssh-ed25519 AAAA');
  const ed = blob('ssh-ed25519');
  const told: string[] = [];
  for (let i = 0; i < 3; i++) checkHostKey(file, '10.0.0.5', 22, ed, { onFirstContact: (h, t, fp) => told.push(`${h} ${t} ${fp}`) });
  assert.deepEqual(told, [`10.0.0.5 ssh-ed25519 ${fingerprint(ed)}`]);
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  assert.deepEqual(lines.slice(0, 2), ['# comment', 'other.example ssh-ed25519 AAAA']);
  assert.equal(lines.length, 3);
  assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
  assert.ok(!fs.existsSync(`${file}.lock`), 'lock released');
});
