// Host key checking against an OpenSSH-format known_hosts file: the first contact records the
// key, a later different key is refused (a reinstalled host or a man in the middle: the operator
// decides, as with `ssh`). Entries are written as "[address]:port type base64" (ssh's own format).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';

export class HostKeyMismatchError extends Error {
  constructor(host: string, file: string, expected: string, got: string) {
    super(
      `host key of ${host} changed: ${file} has ${expected}, the host offers ${got}. ` +
        `If the host was reinstalled, delete its line from ${file} and run again; otherwise someone may be intercepting the connection.`,
    );
    this.name = 'HostKeyMismatchError';
  }
}

export function hostPattern(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** Key type from the SSH wire-format public key blob (first length-prefixed string). */
function keyType(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('ascii');
}

export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function readEntries(file: string): Map<string, { type: string; key: string }[]> {
  const entries = new Map<string, { type: string; key: string }[]>();
  if (!fs.existsSync(file)) return entries;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const [hosts, type, key] = line.trim().split(/\s+/);
    if (!hosts || hosts.startsWith('#') || !key) continue;
    for (const h of hosts.split(',')) entries.set(h, [...(entries.get(h) ?? []), { type, key }]);
  }
  return entries;
}

/**
 * Returns true when the key is known or was recorded now; throws HostKeyMismatchError when the
 * file holds a different key of the same type for this host.
 */
export function checkHostKey(file: string, address: string, port: number, blob: Buffer): true {
  const pattern = hostPattern(address, port);
  const type = keyType(blob);
  const key = blob.toString('base64');
  const known = (readEntries(file).get(pattern) ?? []).filter((e) => e.type === type);
  if (known.some((e) => e.key === key)) return true;
  if (known.length) throw new HostKeyMismatchError(pattern, file, fingerprint(Buffer.from(known[0].key, 'base64')), fingerprint(blob));
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.appendFileSync(file, `${pattern} ${type} ${key}\n`, { mode: 0o600 });
  return true;
}
