// apt repository keys, pinned: a downloaded key goes into /etc/apt/keyrings only when it holds exactly
// one primary key and that key has the fingerprint the inventory pins. apt trusts a keyring for every
// package of its repository, so a key swapped on a mirror or on the way would otherwise be trusted
// for good. Check then act: an installed keyring equal to the verified download is left alone.
import * as path from 'node:path';
import type { PinnedKey } from '../../inventory/spec';
import { UNPINNED } from '../../inventory/value-types';
import { shq } from '../ssh/shell';
import { ensurePackages } from './packages';
import type { HostSession } from './session';
import { withDownload } from './verified-download';

/** The fingerprints of the primary keys in `gpg --with-colons` output (the fpr line after each pub line). */
export function primaryFingerprints(colons: string): string[] {
  const out: string[] = [];
  let afterPub = false;
  for (const line of colons.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === 'fpr' && afterPub) out.push(fields[9].toUpperCase());
    afterPub = fields[0] === 'pub';
  }
  return out;
}

/** Why a key file does not match its pin, or undefined when it does. */
export function fingerprintMismatch(found: string[], key: PinnedKey): string | undefined {
  if (found.length === 1 && found[0] === key.fingerprint) return undefined;
  const what = found.length === 0 ? 'holds no OpenPGP public key' : `holds primary key(s) ${found.join(', ')}`;
  return `${key.url} ${what}, but ${key.field} pins exactly one: ${key.fingerprint}`;
}

/**
 * Installs the repository key at `keyring` (mode 644, replaced atomically) when the verified download
 * differs from it; true when it changed. A key that does not match its pin pauses the host (no retry)
 * and leaves the keyring as it was.
 */
export async function ensureRepoKey(s: HostSession, key: PinnedKey, keyring: string): Promise<boolean> {
  // gpg reads the key's fingerprint; Debian's minbase has only apt's gpgv (preflight installs gpg too).
  await ensurePackages(s, ['gpg']);
  return withDownload(s, key.url, async (file) => {
    // --show-keys imports nothing; a throwaway home keeps root's ~/.gnupg out of it. A file that is no
    // key at all (an error page) lists no primary key and is refused below like any other mismatch.
    const colons = await s.sh(
      `home=$(mktemp -d); gpg --batch --homedir "$home" --show-keys --with-colons ${shq(file)} 2>/dev/null; rm -rf "$home"`,
    );
    if (key.fingerprint === UNPINNED) s.log(`${key.url}: trusted as downloaded (${key.field}: ${UNPINNED})`);
    else {
      const mismatch = fingerprintMismatch(primaryFingerprints(colons), key);
      if (mismatch) s.refuse(`${mismatch}; ${keyring} was left as it was`, 'KeyFingerprintMismatch');
    }
    if (await s.test(`cmp -s ${shq(file)} ${shq(keyring)}`)) return false;
    const next = `${keyring}.hakube-new`;
    await s.sh(
      `mkdir -p -m 755 ${shq(path.posix.dirname(keyring))} && install -m 644 ${shq(file)} ${shq(next)} && mv -f ${shq(next)} ${shq(keyring)}`,
    );
    return true;
  });
}
