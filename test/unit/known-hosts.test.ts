// Host key pinning: any recorded key must match whatever type is offered, hashed entries count,
// revoked keys are refused, strict mode refuses unknown hosts, first contact records exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import * as known from '../../src/activities/ssh/known-hosts';
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
  const other = line('other.example', blob('ssh-ed25519'), 'ssh-ed25519').trim();
  fs.writeFileSync(file, `# comment\n${other}`);
  const ed = blob('ssh-ed25519');
  const told: string[] = [];
  for (let i = 0; i < 3; i++) checkHostKey(file, '10.0.0.5', 22, ed, { onFirstContact: (h, t, fp) => told.push(`${h} ${t} ${fp}`) });
  assert.deepEqual(told, [`10.0.0.5 ssh-ed25519 ${fingerprint(ed)}`]);
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  assert.deepEqual(lines.slice(0, 2), ['# comment', other]);
  assert.equal(lines.length, 3);
  assert.ok(!fs.existsSync(`${file}.lock`), 'lock released');
});

// The file is named by a shared inventory: rewriting it must never change its mode or owner, and a
// file that is not a known_hosts file, or one in a system directory, is never rewritten.
test('a new file is 0600 (in a new 0700 directory); a rewrite keeps the mode of an existing file (0644 stays 0644)', () => {
  const fresh = path.join(tempDir(), 'new-dir', 'known_hosts');
  checkHostKey(fresh, '10.0.1.1', 22, blob('ssh-ed25519'));
  assert.equal((fs.statSync(fresh).mode & 0o7777).toString(8), '600');
  assert.equal((fs.statSync(path.dirname(fresh)).mode & 0o777).toString(8), '700');
  const file = path.join(tempDir(), 'known_hosts');
  fs.writeFileSync(file, '# shared with other users\n', { mode: 0o644 });
  fs.chmodSync(file, 0o644);
  checkHostKey(file, '10.0.1.1', 22, blob('ssh-ed25519'));
  assert.equal(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length, 2, 'recorded');
  assert.equal((fs.statSync(file).mode & 0o7777).toString(8), '644');
});

test('a rewrite keeps the owner of an existing file', { skip: process.getuid?.() !== 0 && 'needs root to give a file away' }, () => {
  const file = path.join(tempDir(), 'known_hosts');
  fs.writeFileSync(file, '', { mode: 0o640 });
  fs.chownSync(file, 1, 1);
  checkHostKey(file, '10.0.1.2', 22, blob('ssh-ed25519'));
  const st = fs.statSync(file);
  assert.ok(fs.readFileSync(file, 'utf8').startsWith('10.0.1.2 ssh-ed25519 '), 'recorded');
  assert.deepEqual([st.uid, st.gid, (st.mode & 0o7777).toString(8)], [1, 1, '640']);
});

test('a file that is not a known_hosts file is never rewritten, the bad line named', () => {
  const dir = tempDir();
  const file = path.join(dir, 'passwd');
  const text = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n';
  fs.writeFileSync(file, text, { mode: 0o644 });
  fs.chmodSync(file, 0o644);
  assert.throws(
    () => checkHostKey(file, '10.0.1.3', 22, blob('ssh-ed25519')),
    (e: Error) => e.name === 'KnownHostsFileError' && /is not a known_hosts file: line 1 has 1 field/.test(e.message),
  );
  // A known_hosts file with one bad line (here an authorized_keys line) is refused too, at that line.
  const mixed = path.join(dir, 'mixed');
  const ed = blob('ssh-ed25519');
  fs.writeFileSync(mixed, `# c\n${line('a.example', ed, 'ssh-ed25519')}ssh-ed25519 ${ed.toString('base64')} me@laptop\n`);
  assert.throws(() => checkHostKey(mixed, '10.0.1.3', 22, ed), /line 3 has no SSH key type/);
  assert.throws(() => recordedTypes(mixed, '10.0.1.3', 22), /line 3/, 'nor read');
  assert.equal(fs.readFileSync(file, 'utf8'), text, 'unchanged');
  assert.equal((fs.statSync(file).mode & 0o777).toString(8), '644', 'mode unchanged');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['mixed', 'passwd'], 'no temp or lock file left');
});

test('a file in a system directory is neither created nor rewritten, symlinks resolved', () => {
  const file = `/etc/hakube-test-known_hosts-${process.pid}`;
  const dir = tempDir();
  fs.symlinkSync('/etc', path.join(dir, 'etc-link'));
  try {
    for (const named of [file, path.join(dir, 'etc-link', path.basename(file))])
      assert.throws(
        () => checkHostKey(named, '10.0.1.4', 22, blob('ssh-ed25519')),
        (e: Error) => e.name === 'KnownHostsFileError' && e.message.includes('inside /etc'),
      );
    assert.equal(fs.existsSync(file), false, 'not created');
  } finally {
    fs.rmSync(file, { force: true });
  }
});

test('a symlinked known_hosts stays a symlink: the file it points to gets the line', () => {
  const dir = tempDir();
  const target = path.join(dir, 'shared_known_hosts');
  fs.writeFileSync(target, '');
  const link = path.join(dir, 'known_hosts');
  fs.symlinkSync(target, link);
  const ed = blob('ssh-ed25519');
  checkHostKey(link, '10.0.1.5', 22, ed);
  assert.ok(fs.lstatSync(link).isSymbolicLink(), 'still a symlink');
  assert.equal(fs.readFileSync(target, 'utf8'), line('10.0.1.5', ed, 'ssh-ed25519'));
});

test('the mismatch message gives the commands for the host and port', () => {
  const file = path.join(tempDir(), 'known_hosts');
  fs.writeFileSync(file, line('[10.0.1.6]:2222', blob('ssh-ed25519'), 'ssh-ed25519'));
  assert.throws(
    () => checkHostKey(file, '10.0.1.6', 2222, blob('ssh-ed25519')),
    (e: Error) =>
      e.message.includes('ssh-keyscan -p 2222 10.0.1.6 | ssh-keygen -lf -') &&
      e.message.includes(`ssh-keygen -R '[10.0.1.6]:2222' -f ${file}`) &&
      /reinstalled host, or someone intercepting/.test(e.message),
  );
});

test('a host that offers only other key types reads as a changed key, naming both sides; only when the scan is conclusive', () => {
  const file = path.join(tempDir(), 'known_hosts');
  const ed = blob('ssh-ed25519');
  fs.writeFileSync(file, line('10.0.1.7', ed, 'ssh-ed25519'));
  const [ecdsa, rsa] = [blob('ecdsa-sha2-nistp256'), blob('ssh-rsa')];
  // Asked for ed25519 first, the host presented its ecdsa key: it has no ed25519 key.
  const scan = [
    { asked: 'ssh-ed25519', key: ecdsa },
    { asked: 'ecdsa-sha2-nistp256', key: ecdsa },
    { asked: 'ecdsa-sha2-nistp384', key: ecdsa },
    { asked: 'ssh-rsa', key: rsa },
  ];
  const err = known.hostKeyTypeChanged(file, '10.0.1.7', 22, scan);
  assert.equal(err?.name, 'HostKeyMismatchError');
  for (const fp of [fingerprint(ed), fingerprint(ecdsa), fingerprint(rsa)]) assert.ok(err.message.includes(fp), fp);
  assert.match(
    err.message,
    /has ssh-ed25519 SHA256:.*the host offers only other key types: ecdsa-sha2-nistp256 SHA256:[^,]*, ssh-rsa SHA256:/,
  );
  // The scan found the recorded key after all (the host changed back): a retry may connect.
  assert.equal(known.hostKeyTypeChanged(file, '10.0.1.7', 22, [...scan.slice(1), { asked: 'ssh-ed25519', key: ed }]), undefined);
  // The connection asking for the recorded type failed (host down, overloaded): nothing is concluded.
  assert.equal(known.hostKeyTypeChanged(file, '10.0.1.7', 22, [{ asked: 'ssh-ed25519' }, ...scan.slice(1)]), undefined);
});
