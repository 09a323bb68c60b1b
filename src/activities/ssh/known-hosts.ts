// Host key checking against an OpenSSH-format known_hosts file. Any key recorded for a host must
// match, whatever key type the server offers (and the connection only accepts the recorded types, so
// a server cannot switch to a type that was never recorded); hashed entries (`|1|salt|hash`, Debian's
// default with HashKnownHosts) are understood; `@revoked` keys are refused. An unknown host is
// recorded on first contact, its fingerprint printed, unless strict checking asks for keys seeded in
// advance. The file is changed under a lock and replaced atomically, so parallel first contacts from
// one or several workers cannot lose or garble lines.
//
// The file is named by the inventory, and inventories get shared: a path in one must not let hakube
// damage the machine it runs on. So it is read and rewritten only when it is a known_hosts file or does
// not exist yet, outside the system directories (readKnownHostsFile, checked when the inventory is
// loaded too), and a rewrite keeps the file's own mode and owner.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, createHmac } from 'node:crypto';
import { KnownHostsFileError, readKnownHostsFile, realTarget, type KnownHostsContent, type KnownHostsEntry } from '../../inventory/checks';

export { KnownHostsFileError };

/** The host's key is not the recorded one (or is of a type never recorded, or revoked): pause, do not retry. */
export class HostKeyMismatchError extends Error {
  constructor(address: string, port: number, file: string, recorded: string[], offered: string) {
    const host = hostPattern(address, port);
    super(
      `host key of ${host} changed: ${file} has ${recorded.join(', ')}, the host offers ${offered}. ` +
        `This may be a reinstalled host, or someone intercepting the connection. ` +
        `If the host was reinstalled, check its new key out of band (ssh-keyscan -p ${port} ${address} | ssh-keygen -lf -, ` +
        `compared with ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the host's console), ` +
        `delete its line(s) from ${file} (ssh-keygen -R '${host}' -f ${file}) and run \`hakube retry\` ` +
        `(with ssh.strictHostKeyChecking, add the checked key first: ssh-keyscan -p ${port} ${address} >> ${file}); ` +
        `otherwise do not connect to it.`,
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
  /** The host field (plain list or `|1|salt|hash`). */
  hosts: string;
}

/** The entries that name hosts (@cert-authority lines are not used by hakube). */
const hostEntries = (entries: KnownHostsEntry[]): Entry[] =>
  entries
    .filter((e) => e.marker !== '@cert-authority')
    .map((e) => ({ type: e.type, key: e.key, revoked: e.marker === '@revoked', hosts: e.hosts }));

/** Whether a known_hosts host field (plain list or `|1|salt|hash`) names this host pattern. */
function hostFieldMatches(field: string, pattern: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(pattern).digest('base64') === hash;
  }
  return field.split(',').includes(pattern);
}

/** Every key recorded for the host pattern, any type (KnownHostsFileError when the file may not be used). */
export function recordedKeys(file: string, pattern: string): Entry[] {
  return matching(hostEntries(readKnownHostsFile(file).entries), pattern);
}

const matching = (entries: Entry[], pattern: string) => entries.filter((e) => hostFieldMatches(e.hosts, pattern));

const describe = (e: Entry) => `${e.type} ${fingerprint(Buffer.from(e.key, 'base64'))}`;

export interface HostKeyPolicy {
  /** Refuse hosts that have no recorded key instead of recording it. */
  strict?: boolean;
  /** Told when a key is recorded on first contact (the CLI prints it). */
  onFirstContact?: (pattern: string, type: string, fingerprint: string) => void;
}

/**
 * Returns true when the key is recorded for the host (or was recorded now); throws
 * HostKeyMismatchError when the host has recorded keys and this is none of them (or is revoked),
 * KnownHostsFileError when the file may not be read or rewritten.
 */
export function checkHostKey(file: string, address: string, port: number, blob: Buffer, policy: HostKeyPolicy = {}): true {
  const pattern = hostPattern(address, port);
  const type = keyType(blob);
  const key = blob.toString('base64');
  const offered = `${type} ${fingerprint(blob)}`;
  const known = recordedKeys(file, pattern);
  if (known.some((e) => e.revoked && e.key === key))
    throw new HostKeyMismatchError(address, port, file, ['this key marked @revoked'], offered);
  const valid = known.filter((e) => !e.revoked);
  if (valid.some((e) => e.key === key && e.type === type)) return true;
  if (valid.length) throw new HostKeyMismatchError(address, port, file, valid.map(describe), offered);
  if (policy.strict) throw new UnknownHostError(pattern, file, offered);
  withFileLock(realTarget(file), () => {
    // Another worker may have recorded it meanwhile: check again under the lock (and the file again).
    const current = readKnownHostsFile(file);
    const now = matching(hostEntries(current.entries), pattern).filter((e) => !e.revoked);
    if (now.some((e) => e.key === key && e.type === type)) return;
    if (now.length) throw new HostKeyMismatchError(address, port, file, now.map(describe), offered);
    const before = current.text;
    replaceFile(current, `${before}${before && !before.endsWith('\n') ? '\n' : ''}${pattern} ${type} ${key}\n`);
    policy.onFirstContact?.(pattern, type, fingerprint(blob));
  });
  return true;
}

/**
 * Replaces the file atomically (a temp file beside it, renamed over it) with the mode and owner the
 * file had: a new file is 0600 and the user's; an existing one keeps its own (set on the temp file
 * before the rename). When its owner cannot be kept (not root, someone else's file), it is left alone.
 */
function replaceFile(current: KnownHostsContent, text: string): void {
  const { real, stat } = current;
  const tmp = `${real}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true }); // one left by a crashed process of the same pid: we hold the lock
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
  try {
    try {
      fs.writeFileSync(fd, text);
      if (stat) {
        if (stat.uid !== process.getuid?.() || stat.gid !== process.getgid?.()) {
          try {
            fs.fchownSync(fd, stat.uid, stat.gid);
          } catch (err) {
            throw new KnownHostsFileError(
              current.real,
              `belongs to uid ${stat.uid} gid ${stat.gid}, and hakube (uid ${process.getuid?.()}) cannot give its rewrite the same owner ` +
                `(${(err as Error).message}); point knownHostsFile at a file of your own`,
            );
          }
        }
        fs.fchmodSync(fd, stat.mode & 0o7777);
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, real);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
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

/** What a key scan found with one connection: the key the host presented when asked for `asked` first. */
export interface ScannedKey {
  /** The key type asked for first (the connection offers the others after it). */
  asked: string;
  /** The key presented: of the asked type when the host has one, else of its next type; none when the connection failed. */
  key?: Buffer;
}

/**
 * The connection failed before the host proved a key, with only the recorded key types offered ("no
 * matching host key format" from ssh2, or sshd's reset when it saw no type of its own): when a key scan
 * of the host shows it has none of the recorded keys, this is the same event as a changed key, and the
 * error says so, naming both sides. Undefined when the scan is not conclusive (a scan connection asking
 * for a recorded type failed) or found a recorded key: then the connection's own error stands (retried).
 */
export function hostKeyTypeChanged(file: string, address: string, port: number, scan: ScannedKey[]): HostKeyMismatchError | undefined {
  const valid = recordedKeys(file, hostPattern(address, port)).filter((e) => !e.revoked);
  const recordedTypes = new Set(valid.map((e) => e.type));
  if (!valid.length || [...recordedTypes].some((t) => !scan.find((s) => s.asked === t)?.key)) return undefined;
  const offered = [...new Map(scan.flatMap((s) => (s.key ? [[s.key.toString('base64'), s.key] as const] : []))).values()];
  if (offered.some((b) => valid.some((e) => e.key === b.toString('base64')))) return undefined;
  const list = offered.map((b) => `${keyType(b)} ${fingerprint(b)}`).join(', ');
  const onlyOthers = !offered.some((b) => recordedTypes.has(keyType(b)));
  return new HostKeyMismatchError(
    address,
    port,
    file,
    valid.map(describe),
    `${onlyOthers ? 'only other key types: ' : ''}${list} (a key scan of it)`,
  );
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
