// A real OpenSSH server on 127.0.0.1 for the SSH tests: temporary host key, user key and config.
// Started by the test, stopped by its PID. Needs root (sshd's privilege separation) and openssh-server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { HostConnection } from '../../src/inventory/spec';
import { tempDir } from './inventory';

export const SSHD = '/usr/sbin/sshd';
export const canRunSshd = (): boolean => process.getuid?.() === 0 && fs.existsSync(SSHD);
export const SUDO_USER = 'hakubetest';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface TestSshd {
  dir: string;
  port: number;
  process: ChildProcess;
  /** Connection settings for root, with a fresh known_hosts file. */
  root: HostConnection;
  /** A non-root user with passwordless sudo. */
  sudoUser: HostConnection;
  /** The first host key's public key (ed25519 unless other types were asked for). */
  hostKeyPub: string;
  /** Every host key's public key, in the order of hostKeyTypes. */
  hostKeyPubs: string[];
  stop(): Promise<void>;
}

function keygen(file: string, type = 'ed25519'): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

function ensureSudoUser(): void {
  if (spawnSync('id', [SUDO_USER]).status !== 0) {
    spawnSync('useradd', ['-m', '-s', '/bin/sh', SUDO_USER]);
    spawnSync('usermod', ['-p', '*', SUDO_USER]); // not locked, no password: key login only
  }
  fs.writeFileSync(`/etc/sudoers.d/${SUDO_USER}`, `${SUDO_USER} ALL=(ALL) NOPASSWD: ALL\n`, { mode: 0o440 });
}

/** hostKeyTypes: the host keys sshd offers (ssh-keygen -t types), ed25519 alone by default. */
export async function startSshd(options: { hostKeyTypes?: ('ed25519' | 'ecdsa' | 'rsa')[] } = {}): Promise<TestSshd> {
  const dir = tempDir('hakube-sshd-');
  fs.chmodSync(dir, 0o755);
  const hostKeys = (options.hostKeyTypes ?? ['ed25519']).map((type) => path.join(dir, `host_${type}`));
  hostKeys.forEach((file, i) => keygen(file, options.hostKeyTypes?.[i]));
  keygen(path.join(dir, 'user_ed25519'));
  fs.copyFileSync(path.join(dir, 'user_ed25519.pub'), path.join(dir, 'authorized_keys'));
  fs.chmodSync(path.join(dir, 'authorized_keys'), 0o644);
  ensureSudoUser();
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      ...hostKeys.map((file) => `HostKey ${file}`),
      `PidFile ${dir}/sshd.pid`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'Subsystem sftp internal-sftp',
      // MaxSessions stays OpenSSH's default (10), as on the hosts: the pool must keep below it.
      'MaxStartups 50',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const proc = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`sshd exited: ${stderr}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true))).on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const base = { address: '127.0.0.1', port, keyPath: path.join(dir, 'user_ed25519'), knownHostsFile: path.join(dir, 'known_hosts') };
  return {
    dir,
    port,
    process: proc,
    root: { ...base, user: 'root', sudo: false },
    sudoUser: { ...base, user: SUDO_USER, sudo: true },
    hostKeyPub: fs.readFileSync(`${hostKeys[0]}.pub`, 'utf8'),
    hostKeyPubs: hostKeys.map((file) => fs.readFileSync(`${file}.pub`, 'utf8')),
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
    },
  };
}
