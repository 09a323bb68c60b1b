// kubectl on the first master with the admin kubeconfig, which never leaves that host.
import type { HostSession } from '../host-session';
import { shq } from '../ssh/shell';

export const ADMIN_CONF = '/etc/kubernetes/admin.conf';

export function firstMaster(s: HostSession): HostSession {
  return s.host.name === s.spec.firstMaster ? s : s.other(s.spec.firstMaster);
}

export function kubectl(s: HostSession, args: string, timeoutMs = 5 * 60_000): Promise<string> {
  return firstMaster(s).sh(`kubectl --kubeconfig ${ADMIN_CONF} ${args}`, { timeoutMs });
}

/** kubectl apply of a file or URL; true when it created or changed something. */
export async function apply(s: HostSession, target: string): Promise<boolean> {
  const out = await kubectl(s, `apply -f ${shq(target)}`);
  return out.split('\n').some((l) => / (created|configured)$/.test(l.trim()));
}
