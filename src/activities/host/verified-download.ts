// Files the hosts fetch are used only after they are checked: each is downloaded on the host to a
// private temporary file (mktemp: 0600, owned by root), checked there, handed to the caller by path,
// and removed afterwards whatever happened. One mechanism for every download: add-on manifests check
// a sha256 here; apt repository keys check a key fingerprint on top of withDownload (repo-keys.ts).
import type { PinnedDownload } from '../../inventory/spec';
import { UNPINNED } from '../../inventory/value-types';
import { shq } from '../ssh/shell';
import type { HostSession } from './session';

export const DOWNLOAD_PREFIX = '/tmp/hakube-download-';

/** Downloads `url` on the host into a fresh private file, runs `use` with its path, then removes it. */
export async function withDownload<T>(s: HostSession, url: string, use: (path: string) => Promise<T>): Promise<T> {
  // A download of an attempt killed with its worker (no cleanup ran) is removed once it is an hour old.
  await s.sh(`find /tmp -maxdepth 1 -name '${DOWNLOAD_PREFIX.slice('/tmp/'.length)}*' -mmin +60 -delete 2>/dev/null || true`);
  const file = (await s.sh(`mktemp ${DOWNLOAD_PREFIX}XXXXXXXXXX`)).trim();
  try {
    // --retry covers transient failures (timeouts, 5xx, refused connections); -f makes a 404 an error.
    await s.sh(`curl -fsSL --retry 3 --retry-connrefused --retry-delay 2 -o ${shq(file)} ${shq(url)}`, { timeoutMs: 5 * 60_000 });
    return await use(file);
  } finally {
    // A cleanup that fails (connection gone) must not hide why the step failed.
    await s.sh(`rm -f ${shq(file)}`).catch(() => undefined);
  }
}

/** The sha256 of a file on the host, as sha256sum prints it. */
export async function sha256Of(s: HostSession, path: string): Promise<string> {
  return (await s.sh(`sha256sum ${shq(path)}`)).trim().split(/\s+/)[0];
}

/**
 * Downloads a pinned file and runs `use` with its path only when its sha256 is the pinned one. A
 * mismatch pauses the host (no retry: downloading again gives the same file) with both hashes and
 * the URL, and `use` never runs.
 */
export async function withVerifiedDownload<T>(s: HostSession, download: PinnedDownload, use: (path: string) => Promise<T>): Promise<T> {
  return withDownload(s, download.url, async (file) => {
    const actual = await sha256Of(s, file);
    // (No hash ends a line here: a lone 64-hex line looks like a kubeadm certificate key and is masked.)
    if (download.sha256 === UNPINNED) s.log(`${download.url}: sha256 ${actual} used unchecked (${download.field}: ${UNPINNED})`);
    else if (actual !== download.sha256)
      s.refuse(
        `${download.url} has sha256 ${actual}, but ${download.field} pins ${download.sha256}; nothing was applied. ` +
          `If the file changed on purpose (a new release on your mirror), check it, then set ${download.field} to ${actual} in the inventory`,
        'DownloadMismatch',
      );
    return use(file);
  });
}
