// knownHostsFile is checked when the inventory is loaded (`plan` and `up` refuse before any host is
// touched) and again by the worker: hakube rewrites that file, so it must be a known_hosts file or not
// exist yet, and lie outside the system directories once symlinks are resolved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { loadInventory } from '../../src/inventory/load';
import { specProblem } from '../../src/activities/request-check';
import { tempDir, writeInventory } from '../helpers/inventory';

/** Loads the example inventory with this knownHostsFile, as `plan` does; the error's message, or undefined when accepted. */
function refusal(knownHostsFile: string, where?: (dir: string) => void): string | undefined {
  const file = writeInventory((doc) => doc.setIn(['knownHostsFile'], knownHostsFile));
  where?.(path.dirname(file));
  try {
    loadInventory(file, { requireKeyFiles: false });
    return undefined;
  } catch (err) {
    assert.equal((err as Error).name, 'InventoryError', (err as Error).stack);
    return (err as Error).message;
  }
}

const edKey = () => {
  const type = Buffer.from('ssh-ed25519');
  const len = (n: number) => Buffer.from([0, 0, 0, n]);
  return Buffer.concat([len(type.length), type, len(32), randomBytes(32)]).toString('base64');
};

test('a relative path that climbs into /etc is refused, naming the field and the resolved file', () => {
  const message = refusal('../../../../../../../../etc/passwd');
  assert.match(message ?? '', /knownHostsFile = "\.\.\/.*etc\/passwd": \/etc\/passwd is inside \/etc: hakube records host keys/);
  assert.match(message ?? '', /~\/\.hakube\/known_hosts \(the default\) or ~\/\.ssh\/known_hosts/);
});

test('paths into system directories are refused, whether the file exists or not', () => {
  for (const p of ['/etc/ssh/ssh_known_hosts', '/etc/hakube/known_hosts', '/usr/share/known_hosts', '/boot/kh', '/run/kh'])
    assert.match(refusal(p) ?? '', new RegExp(`knownHostsFile = "${p}": is inside /${p.split('/')[1]}`), p);
});

test('symlinks are resolved: a link to /etc or to a file in it is refused', () => {
  assert.match(
    refusal('etc-link/known_hosts', (dir) => fs.symlinkSync('/etc', path.join(dir, 'etc-link'))) ?? '',
    /is inside \/etc \(\/etc\/known_hosts\)/,
  );
  assert.match(refusal('kh', (dir) => fs.symlinkSync('/etc/passwd', path.join(dir, 'kh'))) ?? '', /is inside \/etc \(\/etc\/passwd\)/);
  // A dangling link into /etc: the file would be created there.
  assert.match(refusal('kh', (dir) => fs.symlinkSync('/etc/hakube-none/kh', path.join(dir, 'kh'))) ?? '', /is inside \/etc/);
});

test('a directory, a FIFO and a device are refused', () => {
  assert.match(refusal('.') ?? '', /is a directory, not a file/);
  assert.match(refusal('fifo', (dir) => spawnSync('mkfifo', [path.join(dir, 'fifo')])) ?? '', /is a FIFO, not a file/);
  assert.match(refusal('/dev/null') ?? '', /must be a file/);
});

test('a file that is not a known_hosts file is refused, naming its line and never showing its content', () => {
  const secret = 'hunter2-not-to-be-shown';
  const message = refusal('notes.txt', (dir) =>
    fs.writeFileSync(path.join(dir, 'notes.txt'), `# my hosts\n10.0.0.1 ssh-ed25519 ${edKey()}\npassword: ${secret}\n`),
  );
  assert.match(message ?? '', /notes\.txt is not a known_hosts file: line 3 has 2 field\(s\)/);
  assert.ok(!message?.includes(secret));
  assert.match(
    refusal('authorized_keys', (dir) => fs.writeFileSync(path.join(dir, 'authorized_keys'), `ssh-ed25519 ${edKey()} me@laptop\n`)) ?? '',
    /line 1 has no SSH key type/,
  );
  assert.match(
    refusal('garbled', (dir) => fs.writeFileSync(path.join(dir, 'garbled'), `10.0.0.1 ssh-rsa ${edKey()}\n`)) ?? '',
    /line 1 has a key that is not a public key of type ssh-rsa/,
  );
});

test('a known_hosts file (hashed entries, markers, comments) or a missing file in a folder of the user is accepted', () => {
  const salt = randomBytes(20);
  const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('10.0.0.2').digest('base64')}`;
  const good = [
    '# comment',
    '',
    `10.0.0.1,master01 ssh-ed25519 ${edKey()}`,
    `[10.0.0.3]:2222 ssh-ed25519 ${edKey()} a trailing comment`,
    `${hashed} ssh-ed25519 ${edKey()}`,
    `@revoked 10.0.0.4 ssh-ed25519 ${edKey()}`,
    `@cert-authority *.example.com ssh-ed25519 ${edKey()}\r`,
  ].join('\n');
  assert.equal(
    refusal('known_hosts', (dir) => fs.writeFileSync(path.join(dir, 'known_hosts'), good)),
    undefined,
  );
  assert.equal(refusal('not-yet/known_hosts'), undefined);
  assert.equal(refusal(path.join(tempDir(), 'empty'), undefined), undefined);
  // ~/.ssh/known_hosts: the user's own OpenSSH file.
  const home = process.env.HOME;
  process.env.HOME = tempDir();
  try {
    fs.mkdirSync(path.join(process.env.HOME, '.ssh'));
    fs.writeFileSync(path.join(process.env.HOME, '.ssh', 'known_hosts'), good);
    assert.equal(refusal('~/.ssh/known_hosts'), undefined);
  } finally {
    process.env.HOME = home;
  }
});

test('/var and /opt hold checkouts and service homes: allowed there (a lab checkout in /var/tmp was refused), a non-known_hosts file still is not', () => {
  let dir: string;
  try {
    dir = fs.mkdtempSync('/var/tmp/hakube-kh-');
  } catch {
    return; // /var/tmp not writable here
  }
  try {
    assert.equal(refusal(path.join(dir, 'known_hosts')), undefined);
    fs.writeFileSync(path.join(dir, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
    assert.match(refusal(path.join(dir, 'passwd')) ?? '', /line 1/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the worker refuses a spec whose knownHostsFile it may not use, naming the field', () => {
  const spec = loadInventory(writeInventory(), { requireKeyFiles: false }).spec;
  assert.equal(specProblem(spec), undefined);
  for (const h of spec.hosts) h.ssh.knownHostsFile = '/etc/passwd';
  const problem = specProblem(spec);
  assert.equal(problem?.field, 'spec.hosts[].ssh.knownHostsFile');
  assert.match(problem?.message ?? '', /is inside \/etc/);
});
