import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SshPool } from '../../src/activities/ssh/pool';
import { exec, run, CommandCancelledError, CommandTimeoutError, CommandError } from '../../src/activities/ssh/exec';
import { readFile, restoreFile, writeFile } from '../../src/activities/ssh/files';
import { BACKUP_ROOT } from '../../src/contracts/remote-files';
import { canRunSshd, startSshd, type TestSshd } from '../helpers/sshd';
import { tempDir } from '../helpers/inventory';

describe('SSH activities against a real sshd on 127.0.0.1', { skip: !canRunSshd() && 'needs root and /usr/sbin/sshd' }, () => {
  let sshd: TestSshd;
  let pool: SshPool;
  let work: string; // files written by the tests stay in a temp dir
  before(async () => {
    sshd = await startSshd();
    pool = new SshPool();
    work = tempDir('hakube-files-');
    fs.chmodSync(work, 0o755);
  });
  after(async () => {
    await pool.closeAll();
    await sshd.stop();
  });

  test('exit codes and output of stdout and stderr, streamed as it comes', async () => {
    const chunks: string[] = [];
    const r = await exec(pool, sshd.root, 'echo out; echo err >&2; sleep 0.2; echo later; exit 3', { onOutput: (c) => chunks.push(c) });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'out\nlater\n');
    assert.equal(r.stderr, 'err\n');
    assert.ok(chunks.length >= 2, 'output arrives in several chunks');
    await assert.rejects(run(pool, sshd.root, 'false'), CommandError);
  });

  test('stdin is passed to the command', async () => {
    const r = await run(pool, sshd.root, 'tr a-z A-Z', { stdin: 'hello' });
    assert.equal(r.stdout, 'HELLO');
  });

  test('a non-root user runs commands as root through sudo', async () => {
    assert.equal((await run(pool, sshd.sudoUser, 'id -un', { sudo: false })).stdout.trim(), 'hakubetest');
    assert.equal((await run(pool, sshd.sudoUser, 'id -un')).stdout.trim(), 'root');
  });

  test('secrets are redacted from output and errors', async () => {
    const secret = 'abcdef.0123456789abcdef';
    const r = await exec(pool, sshd.root, `echo token=${secret}`, { redact: [secret] });
    assert.equal(r.stdout, 'token=***\n');
    await assert.rejects(
      run(pool, sshd.root, `echo ${secret} >&2; exit 1`, { redact: [secret] }),
      (err: Error) => !err.message.includes(secret) && err.message.includes('***'),
    );
  });

  test('upload keeps a backup of the replaced file and replaces it atomically; same content changes nothing', async () => {
    for (const conn of [sshd.root, sshd.sudoUser]) {
      const target = path.join(work, `${conn.user}-haproxy.cfg`);
      fs.writeFileSync(target, 'original\n');
      const tag = `test-${conn.user}-${Date.now()}`;
      const first = await writeFile(pool, conn, target, 'new content\n', { mode: 0o640, backupTag: tag });
      assert.equal(first.changed, true);
      assert.equal(first.backupPath, `${BACKUP_ROOT}/${tag}${target}`);
      assert.equal(fs.readFileSync(target, 'utf8'), 'new content\n');
      assert.equal(fs.statSync(target).mode & 0o777, 0o640);
      assert.equal(fs.readFileSync(first.backupPath!, 'utf8'), 'original\n');
      // A retry of the same step writes again: the backup keeps the first original.
      const second = await writeFile(pool, conn, target, 'newer content\n', { backupTag: tag });
      assert.equal(second.changed, true);
      assert.equal(fs.readFileSync(first.backupPath!, 'utf8'), 'original\n');
      const same = await writeFile(pool, conn, target, 'newer content\n', { backupTag: tag });
      assert.equal(same.changed, false);
      assert.equal(await restoreFile(pool, conn, target, tag), 'restored');
      assert.equal(fs.readFileSync(target, 'utf8'), 'original\n');
      assert.equal(await restoreFile(pool, conn, target, tag), 'unchanged');
      assert.equal(await readFile(pool, conn, target), 'original\n');
      assert.equal(fs.readdirSync(work).filter((f) => f.includes('hakube-new')).length, 0, 'no temporary file left');
    }
  });

  test('restoring a file that did not exist before removes it', async () => {
    const target = path.join(work, 'new-dir', 'created.conf');
    const tag = `test-absent-${Date.now()}`;
    const r = await writeFile(pool, sshd.root, target, 'x\n', { backupTag: tag });
    assert.match(r.backupPath!, /\.absent$/);
    assert.equal(await restoreFile(pool, sshd.root, target, tag), 'removed');
    assert.equal(fs.existsSync(target), false);
  });

  test('the host key is recorded on first contact; a changed key is refused', async () => {
    const knownHostsFile = path.join(tempDir(), 'known_hosts');
    const fresh = new SshPool();
    await run(fresh, { ...sshd.root, knownHostsFile }, 'true');
    const line = fs.readFileSync(knownHostsFile, 'utf8');
    assert.equal(line.trim(), `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPub.split(' ').slice(0, 2).join(' ')}`);
    await fresh.closeAll();
    // Same host and port, another key in known_hosts: refused with a message that says what to do.
    const other = 'AAAAC3NzaC1lZDI1NTE5AAAAIEd6gKsMKuO1JqvTSc4PvmD8sl9K9VE0g5wLZ7HMeEEP';
    fs.writeFileSync(knownHostsFile, `[127.0.0.1]:${sshd.port} ssh-ed25519 ${other}\n`);
    const refusing = new SshPool();
    await assert.rejects(
      run(refusing, { ...sshd.root, knownHostsFile }, 'true'),
      /host key of \[127\.0\.0\.1\]:\d+ changed.*delete its line/s,
    );
    await refusing.closeAll();
  });

  test('a dropped connection is reconnected on the next command', async () => {
    const client = await pool.get(sshd.root);
    (client as unknown as { _sock: { destroy(): void } })._sock.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await run(pool, sshd.root, 'echo again')).stdout, 'again\n');
    assert.notEqual(await pool.get(sshd.root), client, 'a new connection was opened');
  });

  test('a cancelled long command is killed on the host, with its children', async () => {
    const marker = `${Date.now() % 100000}`;
    const controller = new AbortController();
    const started = run(pool, sshd.root, `sleep 3${marker} & sleep 4${marker}; wait`, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 700));
    assert.equal((await exec(pool, sshd.root, `pgrep -f '^sleep [34]${marker}' | wc -l`)).stdout.trim(), '2');
    controller.abort();
    await assert.rejects(started, CommandCancelledError);
    let left = '2';
    for (let i = 0; i < 30 && left !== '0'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      left = (await exec(pool, sshd.root, `pgrep -f '^sleep [34]${marker}' | wc -l`)).stdout.trim();
    }
    assert.equal(left, '0', 'remote processes still running');
  });

  test('a command over its timeout is killed and reported', async () => {
    await assert.rejects(run(pool, sshd.root, 'sleep 30', { timeoutMs: 500 }), CommandTimeoutError);
  });
});
