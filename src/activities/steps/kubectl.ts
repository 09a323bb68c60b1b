// kubectl on the first master with the admin kubeconfig, which never leaves that host.
import type { HostSession } from '../host/session';
import type { PinnedDownload } from '../../inventory/spec';
import { withVerifiedDownload } from '../host/verified-download';
import { HOST_PATHS } from '../../contracts/remote-files';
import { shq } from '../ssh/shell';

export const KUBECTL = `kubectl --kubeconfig ${HOST_PATHS['admin-conf']}`;

/** A custom-columns output of every node's name and Ready status (parseNodeReady reads it). */
export const NODE_READY_COLUMNS = shq('custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status');

export function firstMaster(s: HostSession): HostSession {
  return s.host.name === s.spec.firstMaster ? s : s.other(s.spec.firstMaster);
}

export function kubectl(s: HostSession, args: string, timeoutMs = 5 * 60_000): Promise<string> {
  return firstMaster(s).sh(`${KUBECTL} ${args}`, { timeoutMs });
}

/**
 * kubectl apply of a file on the first master: a rendered file's path, or a pinned download, which is
 * fetched there and applied only when its sha256 matches (never straight from its URL, so what runs is
 * what was checked). True when it created or changed something.
 */
export async function apply(s: HostSession, target: string | PinnedDownload, options: { serverSide?: boolean } = {}): Promise<boolean> {
  const host = firstMaster(s);
  if (typeof target !== 'string') return withVerifiedDownload(host, target, (file) => apply(host, file, options));
  if (/^[a-z]+:\/\//i.test(target)) throw new Error(`${target}: a manifest URL must come pinned (a PinnedDownload), a bug in hakube`);
  // A server-side apply prints "serverside-applied" whether or not anything changed: it never counts as a change.
  const out = await kubectl(host, `apply ${options.serverSide ? '--server-side --force-conflicts ' : ''}-f ${shq(target)}`);
  return out.split('\n').some((l) => / (created|configured)$/.test(l.trim()));
}
