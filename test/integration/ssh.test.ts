import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { MAX_CHANNELS, SshPool } from '../../src/activities/ssh/pool';
import { exec, run, CommandCancelledError, CommandTimeoutError, CommandError } from '../../src/activities/ssh/exec';
import { BACKUP_RUNS_KEPT, readFile, restoreFile, writeFile } from '../../src/activities/ssh/files';
import { BACKUP_ROOT } from '../../src/contracts/remote-files';
import { canRunSshd, startSshd, type TestSshd } from '../helpers/sshd';
import { EXAMPLE, tempDir } from '../helpers/inventory';
import { loadInventory } from '../../src/inventory/load';
import { HostSession } from '../../src/activities/host/session';
import { acquireStepLock, releaseStepLock } from '../../src/activities/host/step-lock';
import { OWED_DIR, writeOwingApply } from '../../src/activities/host/owed-apply';
import { classify } from '../../src/activities/host/step-runner';
import { ApplicationFailure } from '@temporalio/common';

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
      assert.equal(fs.statSync(BACKUP_ROOT).mode & 0o777, 0o700, 'backups are root-only');
      assert.equal(fs.statSync(`${BACKUP_ROOT}/${tag}`).mode & 0o777, 0o700);
    }
  });

  test('backups of only the last runs are kept; a failed upload leaves no temporary file', async () => {
    const target = path.join(work, 'retention.conf');
    const tags = Array.from({ length: BACKUP_RUNS_KEPT + 2 }, (_, i) => `retention-${process.pid}-${i}`);
    for (const [i, tag] of tags.entries()) {
      await writeFile(pool, sshd.root, target, `run ${i}\n`, { backupTag: tag });
      await new Promise((r) => setTimeout(r, 1100)); // directory times have one-second resolution here
    }
    const left = fs.readdirSync(BACKUP_ROOT).filter((d) => d.startsWith(`retention-${process.pid}-`));
    assert.deepEqual(left.sort(), tags.slice(-BACKUP_RUNS_KEPT).sort());
    const before = fs.readdirSync('/tmp').filter((f) => f.startsWith('hakube-upload-')).length;
    await assert.rejects(writeFile(pool, sshd.root, '/proc/hakube-cannot-write-here', 'secret\n', { backupTag: tags[0] }));
    assert.equal(fs.readdirSync('/tmp').filter((f) => f.startsWith('hakube-upload-')).length, before, 'temporary upload removed');
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

  test('a host recorded with another key type is refused, not re-recorded with the type it offers', async () => {
    const dir = tempDir();
    const knownHostsFile = path.join(dir, 'known_hosts');
    spawnSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', path.join(dir, 'other')]);
    const [type, key] = fs.readFileSync(path.join(dir, 'other.pub'), 'utf8').split(' ');
    const recorded = `[127.0.0.1]:${sshd.port} ${type} ${key}\n`;
    fs.writeFileSync(knownHostsFile, recorded);
    const refusing = new SshPool();
    // The server has only an ed25519 key: it cannot prove the recorded ecdsa one.
    await assert.rejects(run(refusing, { ...sshd.root, knownHostsFile }, 'true'), /cannot connect/);
    assert.equal(fs.readFileSync(knownHostsFile, 'utf8'), recorded, 'known_hosts unchanged');
    await refusing.closeAll();
  });

  test('a host that now offers only other key types is refused like a changed key: once, non-retryable, both sides named', async () => {
    // worknode03's ed25519 key moved away: its sshd offers only its ecdsa and rsa keys.
    const other = await startSshd({ hostKeyTypes: ['ecdsa', 'rsa'] });
    const dir = tempDir();
    const knownHostsFile = path.join(dir, 'known_hosts');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'old')]);
    const [type, key] = fs.readFileSync(path.join(dir, 'old.pub'), 'utf8').split(' ');
    const recorded = `[127.0.0.1]:${other.port} ${type} ${key}\n`;
    fs.writeFileSync(knownHostsFile, recorded);
    const fp = (pubFile: string) => spawnSync('ssh-keygen', ['-lf', pubFile], { encoding: 'utf8' }).stdout.split(' ')[1];
    const refusing = new SshPool();
    try {
      const started = Date.now();
      const err = await run(refusing, { ...other.root, knownHostsFile }, 'true').then(
        () => assert.fail('connected'),
        (e: Error) => e,
      );
      assert.equal(err.name, 'HostKeyMismatchError', err.message);
      const failure = classify(err) as ApplicationFailure;
      assert.ok(failure instanceof ApplicationFailure, 'classified for Temporal');
      assert.equal(failure.nonRetryable, true, 'no retries: the run pauses at once');
      assert.equal(failure.type, 'HostKeyMismatch');
      const recordedFp = fp(path.join(dir, 'old.pub'));
      const offered = ['ecdsa', 'rsa'].map((t) => fp(path.join(other.dir, `host_${t}.pub`)));
      for (const f of [recordedFp, ...offered]) assert.ok(err.message.includes(f), `${f} in ${err.message}`);
      assert.match(
        err.message,
        /host key of \[127\.0\.0\.1\]:\d+ changed: .* has ssh-ed25519 SHA256:.*the host offers only other key types: ecdsa-sha2-nistp256 SHA256:.*ssh-rsa SHA256:/,
      );
      assert.ok(err.message.includes(`ssh-keyscan -p ${other.port} 127.0.0.1 | ssh-keygen -lf -`));
      assert.ok(err.message.includes(`ssh-keygen -R '[127.0.0.1]:${other.port}' -f ${knownHostsFile}`));
      assert.match(err.message, /reinstalled host, or someone intercepting/);
      assert.doesNotMatch(err.message, /no matching host key format/);
      assert.ok(Date.now() - started < 15_000, 'the scan does not wait for a timeout');
      assert.equal(fs.readFileSync(knownHostsFile, 'utf8'), recorded, 'known_hosts unchanged');
      // The recorded key back on the host: the same file connects (nothing was recorded meanwhile).
      const ok = new SshPool();
      fs.writeFileSync(knownHostsFile, `[127.0.0.1]:${other.port} ${other.hostKeyPubs[1].split(' ').slice(0, 2).join(' ')}\n`);
      assert.equal((await run(ok, { ...other.root, knownHostsFile }, 'echo ok')).stdout, 'ok\n');
      await ok.closeAll();
    } finally {
      await refusing.closeAll();
      await other.stop();
    }
  });

  test('a connection reset before the handshake (sshd saw none of its key types) is told apart by the key scan', async () => {
    // sshd may reset the connection before ssh2 reads its list of host key types: a proxy resets the
    // first connection of each round, and forwards the scan's connections to a real sshd.
    const other = await startSshd({ hostKeyTypes: ['ecdsa', 'rsa'] });
    let upstream = other.port;
    let resetNext = true;
    const proxy = net.createServer((client) => {
      client.on('error', () => {});
      if (resetNext) {
        resetNext = false;
        client.resetAndDestroy();
        return;
      }
      const up = net.connect(upstream, '127.0.0.1');
      up.on('error', () => client.destroy());
      client.pipe(up).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as net.AddressInfo).port;
    const knownHostsFile = path.join(tempDir(), 'known_hosts');
    const conn = { ...other.root, port, knownHostsFile };
    const pools: SshPool[] = [];
    const attempt = () => {
      const pool = new SshPool();
      pools.push(pool);
      resetNext = true;
      return run(pool, conn, 'true').then(
        () => assert.fail('connected'),
        (e: Error) => e,
      );
    };
    try {
      // The host has none of the recorded keys (an ed25519 key recorded, it offers ecdsa and rsa): a changed key.
      fs.writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${sshd.hostKeyPub.split(' ').slice(0, 2).join(' ')}\n`);
      const changed = await attempt();
      assert.equal(changed.name, 'HostKeyMismatchError', changed.message);
      assert.match(changed.message, /the host offers only other key types: ecdsa-sha2-nistp256 SHA256:.*ssh-rsa SHA256:/);
      // The host has the recorded key (the same file, the proxy now in front of the ed25519 sshd): only a reset, retried.
      upstream = sshd.port;
      const reset = await attempt();
      assert.equal(reset.name, 'SshConnectError', reset.message);
      assert.doesNotMatch(reset.message, /host key/);
      assert.equal(classify(reset), reset, 'keeps its retries');
    } finally {
      for (const p of pools) await p.closeAll();
      await new Promise((resolve) => proxy.close(resolve));
      await other.stop();
    }
  });

  test('a knownHostsFile that is not a known_hosts file is refused before connecting, and not retried', async () => {
    const knownHostsFile = path.join(tempDir(), 'passwd');
    fs.writeFileSync(knownHostsFile, 'root:x:0:0:root:/root:/bin/bash\n');
    const refusing = new SshPool();
    try {
      const err = await run(refusing, { ...sshd.root, knownHostsFile }, 'true').then(
        () => assert.fail('connected'),
        (e: Error) => e,
      );
      assert.match(err.message, /is not a known_hosts file: line 1/);
      assert.equal((classify(err) as ApplicationFailure).nonRetryable, true);
      assert.equal(refusing.openConnections, 0, 'no connection opened');
      assert.equal(fs.readFileSync(knownHostsFile, 'utf8'), 'root:x:0:0:root:/root:/bin/bash\n');
    } finally {
      await refusing.closeAll();
    }
  });

  test('secrets split across output chunks are masked in results and heartbeats', async () => {
    const printInTwo = (a: string, b: string) => `printf '%s' '${a}'; sleep 0.3; printf '%s\\n' '${b}'`;
    const r = await exec(pool, sshd.root, printInTwo('before SECRETV', 'ALUE1234 after'), { redact: ['SECRETVALUE1234'] });
    assert.equal(r.stdout, 'before *** after\n');
    const spec = loadInventory(EXAMPLE, { requireKeyFiles: false }).spec;
    const host = spec.hosts[0];
    const local = { ...spec, hosts: [{ ...host, ssh: sshd.root }, ...spec.hosts.slice(1)] };
    const session = new HostSession(pool, local, host.name, 'chunks');
    await session.sh(printInTwo('kubeadm join --token abcdef.0123', '456789abcdef'));
    const shown = session.heartbeatDetails.lastLines.join('\n');
    assert.ok(!shown.includes('0123456789abcdef'), shown);
    assert.match(shown, /--token \*\*\*/);
  });

  test('a dropped connection is reconnected on the next command', async () => {
    const client = await pool.get(sshd.root);
    (client as unknown as { _sock: { destroy(): void } })._sock.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await run(pool, sshd.root, 'echo again')).stdout, 'again\n');
    assert.notEqual(await pool.get(sshd.root), client, 'a new connection was opened');
  });

  test('more commands at once than sshd allows channels (MaxSessions 10) wait their turn on one connection', async () => {
    const own = new SshPool();
    try {
      const n = 30;
      const outputs = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          Promise.all([run(own, sshd.root, `sleep 0.3; echo ${i}`), own.withSftp(sshd.root, async () => i)]),
        ),
      );
      assert.deepEqual(
        outputs.map(([r, i]) => `${r.stdout.trim()}/${i}`),
        Array.from({ length: n }, (_, i) => `${i}/${i}`),
      );
      assert.equal(own.openConnections, 1, 'one connection, never dropped for a refused channel');
    } finally {
      await own.closeAll();
    }
  });

  test('closeAll ends every connection the pool opened, dropped ones and ones still connecting too', async () => {
    const own = new SshPool();
    await run(own, sshd.root, 'true');
    // A drop while the replacement connects: the old connection's close must not orphan the new one.
    own.forget(sshd.root);
    const replacement = own.get(sshd.root);
    own.forget(sshd.root);
    const third = own.get(sshd.root);
    await Promise.all([replacement, third]);
    await own.closeAll();
    for (let i = 0; i < 50 && own.openConnections > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(own.openConnections, 0, 'no socket left to keep the process alive');
  });

  test('a late drop of a dead connection leaves its replacement; a command cancelled while waiting for a channel never starts', async () => {
    const own = new SshPool();
    try {
      const first = await own.get(sshd.root);
      own.forget(sshd.root, first);
      const second = await own.get(sshd.root);
      own.forget(sshd.root, first); // another command that failed on the first connection, later
      assert.equal(await own.get(sshd.root), second, 'the replacement stays');
      assert.equal((await run(own, sshd.root, 'echo ok')).stdout, 'ok\n');

      const marker = `/tmp/hakube-never-${process.pid}`;
      const busy = Array.from({ length: MAX_CHANNELS }, () => run(own, sshd.root, 'sleep 1'));
      const cancel = new AbortController();
      const waiting = exec(own, sshd.root, `touch ${marker}`, { signal: cancel.signal });
      cancel.abort();
      await assert.rejects(waiting, CommandCancelledError);
      await Promise.all(busy);
      assert.equal((await run(own, sshd.root, `test -e ${marker} && echo started || echo never`)).stdout, 'never\n');
    } finally {
      await own.closeAll();
    }
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

  test('the step lock: a live step of another workflow is never stopped; a later attempt of its own workflow takes over', async () => {
    const wf = `hakube-locktest-${process.pid}/etcd/master01`;
    const [first, retry, stranger] = [`${wf}#1#1`, `${wf}#1#2`, `hakube-locktest-${process.pid}.backup-1/etcd-snapshot/master01#1#1`];
    await acquireStepLock(pool, sshd.root, first);
    const long = run(pool, sshd.root, 'sleep 60', { lockOwner: first, timeoutMs: 90_000 }).then(
      () => 'finished',
      () => 'stopped',
    );
    await new Promise((r) => setTimeout(r, 1000)); // the sleep has recorded its process group
    await assert.rejects(acquireStepLock(pool, sshd.root, stranger), /busy with a step of .*#1#1/);
    await acquireStepLock(pool, sshd.root, retry); // waits up to 20 s, then stops the previous attempt
    assert.equal(await long, 'stopped');
    await releaseStepLock(pool, sshd.root, retry);
    await acquireStepLock(pool, sshd.root, stranger); // free now
    await releaseStepLock(pool, sshd.root, stranger);
  });

  test('a file written by an attempt that died before its restart is still owed a restart by the next attempt', async () => {
    const spec = loadInventory(EXAMPLE, { requireKeyFiles: false }).spec;
    const host = spec.hosts[0];
    const session = new HostSession(pool, { ...spec, hosts: [{ ...host, ssh: sshd.root }, ...spec.hosts.slice(1)] }, host.name, 'owed');
    const target = path.join(work, 'owed.cfg');
    const action = `test-${process.pid}`;
    const attempt = (content: string) =>
      writeOwingApply(session, action, async () => [await writeFile(pool, sshd.root, target, content, { backupTag: 'owed' })]);
    try {
      const died = await attempt('v1\n'); // changed, and the "restart" never runs: no settled()
      assert.deepEqual([died.changed, died.mustApply], [true, true]);
      const retry = await attempt('v1\n');
      assert.deepEqual([retry.changed, retry.mustApply], [false, true], 'the retry must still restart');
      await retry.settled();
      const rerun = await attempt('v1\n');
      assert.deepEqual([rerun.changed, rerun.mustApply], [false, false], 'nothing owed once settled');
      await rerun.settled();
      assert.equal(fs.existsSync(`${OWED_DIR}/${action}`), false);
    } finally {
      fs.rmSync(`${OWED_DIR}/${action}`, { force: true });
    }
  });
});
