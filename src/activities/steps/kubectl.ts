// kubectl on the first master with the admin kubeconfig, which never leaves that host.
import type { HostSession } from '../host/session';
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

/** kubectl apply of a file or URL; true when it created or changed something. */
export async function apply(s: HostSession, target: string): Promise<boolean> {
  const out = await kubectl(s, `apply -f ${shq(target)}`);
  return out.split('\n').some((l) => / (created|configured)$/.test(l.trim()));
}
