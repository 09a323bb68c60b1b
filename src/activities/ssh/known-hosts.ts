// Host key checking against an OpenSSH-format known_hosts file. Any key recorded for a host must
// match, whatever key type the server offers (and the connection only accepts the recorded types, so
// a server cannot switch to a type that was never recorded); hashed entries (`|1|salt|hash`, Debian's
// default with HashKnownHosts) are understood; `@revoked` keys are refused. An unknown host is
// recorded on first contact, its fingerprint printed, unless strict checking asks for keys seeded in
// advance. The file is changed under a lock and replaced atomically, so parallel first contacts from
// one or several workers cannot lose or garble lines.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, createHmac } from 'node:crypto';

export class HostKeyMismatchError extends Error {
  constructor(host: string, file: string, recorded: string[], got: string) {
    super(
      `host key of ${host} changed: ${file} has ${recorded.join(', ')}, the host offers ${got}. ` +
        `If the host was reinstalled, check the new key out of band (ssh-keyscan ${host.replace(/^\[(.*)\]:.*$/, '$1')} | ssh-keygen -lf -), ` +
        `delete its line(s) from ${file} (ssh-keygen -R '${host}' -f ${file}) and run \`hakube retry\`; otherwise someone may be intercepting the connection.`,
    );
    this.name = 'HostKeyMismatchError';
  }
}

export class UnknownHostError extends Error {
  constructor(host: string, file: string, got: string) {
    super(
      `${host} is not in ${file} and strict host key checking is on (ssh.strictHostKeyChecking); it offers ${got}. ` +
        `Add its key after checking it out of band: ssh-keyscan -p PORT ADDRESS >> ${file}`,
    );
    this.name = 'HostKeyMismatchError'; // the same class of failure: pause at once, do not retry
  }
}

export function hostPattern(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** Key type from the SSH wire-format public key blob (first length-prefixed string). */
export function keyType(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('ascii');
}

export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Host key algorithms a server may use to prove a key of this type (what ssh2 negotiates). */
export function hostKeyAlgorithms(type: string): string[] {
  return type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
}

interface Entry {
  type: string;
  key: string;
  revoked: boolean;
}

/** Whether a known_hosts host field (plain list or `|1|salt|hash`) names this host pattern. */
function hostFieldMatches(field: string, pattern: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(pattern).digest('base64') === hash;
  }
  return field.split(',').includes(pattern);
}

/** Every key recorded for the host pattern, any type. */
export function recordedKeys(file: string, pattern: string): Entry[] {
  if (!fs.existsSync(file)) return [];
  const entries: Entry[] = [];
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    const words = raw.trim().split(/\s+/);
    if (!words[0] || words[0].startsWith('#')) continue;
    const marker = words[0].startsWith('@') ? words.shift()! : '';
    if (marker === '@cert-authority') continue; // host certificates are not used by hakube
    const [hosts, type, key] = words;
    if (!key || !hostFieldMatches(hosts, pattern)) continue;
    entries.push({ type, key, revoked: marker === '@revoked' });
  }
  return entries;
}

export interface HostKeyPolicy {
  /** Refuse hosts that have no recorded key instead of recording it. */
  strict?: boolean;
  /** Told when a key is recorded on first contact (the CLI prints it). */
  onFirstContact?: (pattern: string, type: string, fingerprint: string) => void;
}

/**
 * Returns true when the key is recorded for the host (or was recorded now); throws
 * HostKeyMismatchError when the host has recorded keys and this is none of them (or is revoked).
 */
export function checkHostKey(file: string, address: string, port: number, blob: Buffer, policy: HostKeyPolicy = {}): true {
  const pattern = hostPattern(address, port);
  const type = keyType(blob);
  const key = blob.toString('base64');
  const offered = `${type} ${fingerprint(blob)}`;
  const describe = (e: Entry) => `${e.type} ${fingerprint(Buffer.from(e.key, 'base64'))}`;
  const known = recordedKeys(file, pattern);
  if (known.some((e) => e.revoked && e.key === key)) throw new HostKeyMismatchError(pattern, file, ['this key marked @revoked'], offered);
  const valid = known.filter((e) => !e.revoked);
  if (valid.some((e) => e.key === key && e.type === type)) return true;
  if (valid.length) throw new HostKeyMismatchError(pattern, file, valid.map(describe), offered);
  if (policy.strict) throw new UnknownHostError(pattern, file, offered);
  withFileLock(file, () => {
    // Another worker may have recorded it meanwhile: check again under the lock.
    const now = recordedKeys(file, pattern).filter((e) => !e.revoked);
    if (now.some((e) => e.key === key && e.type === type)) return;
    if (now.length) throw new HostKeyMismatchError(pattern, file, now.map(describe), offered);
    const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const text = `${before}${before && !before.endsWith('\n') ? '\n' : ''}${pattern} ${type} ${key}\n`;
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text, { mode: 0o600 });
    fs.renameSync(tmp, file);
    policy.onFirstContact?.(pattern, type, fingerprint(blob));
  });
  return true;
}

/** The types recorded for a host: the connection offers only these host key algorithms. */
export function recordedTypes(file: string, address: string, port: number): string[] {
  return [
    ...new Set(
      recordedKeys(file, hostPattern(address, port))
        .filter((e) => !e.revoked)
        .map((e) => e.type),
    ),
  ];
}

/** Runs fn holding `<file>.lock` (created exclusively; a lock older than 10 s is stale). */
function withFileLock(file: string, fn: () => void): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const lock = `${file}.lock`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 10_000) fs.rmSync(lock, { force: true });
      else if (Date.now() > deadline) throw new Error(`${lock} is held by another process; remove it if no hakube runs`, { cause: err });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
  try {
    fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}
