// The article's HA check (step 12), made to prove something, directly: the first master's API server is
// taken down (its static pod manifest moved away, so the kubelet stops it), then every worker's node
// Lease must be renewed again, as read from another master. The first reading is taken once the API
// server is gone, so any later value was written after that: by another API server, i.e. the worker's
// kubelet heartbeats through haproxy. One renewal is that proof (a second only waited another 10 s).
// (The check used to wait out the node monitor grace period, 60 s, and look at Ready: the same proof,
// one minute slower.) The first master is put back in `finally`; the phase also registers that as a
// compensation.
import type { HostRequest, StepResult } from '../../contracts/activity-request';
import { shq } from '../ssh/shell';
import { API_SERVER_PORT } from '../../contracts/remote-files';
import { API_SERVER_ONLY, startStaticPods, stopStaticPods, waitForApiServer } from '../host/static-pods';
import { hostByName } from '../../inventory/spec';
import { result, type HostSession } from '../host/session';
import { KUBECTL } from './kubectl';

/** Renewals of each worker's Lease to see while the API server is down (the kubelet renews every 10 s). */
const RENEWALS = 1;
/** How long they may take: a kubelet reconnecting through haproxy plus a renew interval, with a wide margin. */
const RENEWAL_WAIT_SECONDS = 90;

/** Written on the first master when the check passes: the hosts it passed for. */
const PASSED_MARKER = '/var/lib/hakube/ha-check-passed';
/**
 * The manifest as it was when the check took it away. The run's backup (what an undo puts back) holds
 * the version from before the run, which is older when an earlier phase of this run rewrote it
 * (control-plane-refresh, masters added): putting that back would undo the change.
 */
const MANIFEST_ASIDE_DIR = '/var/lib/hakube/ha-check';
const topology = (s: HostSession) => `masters=${s.spec.masters.join(',')} workers=${s.spec.workers.join(',')}`;

async function verifyHa(s: HostSession, req: HostRequest): Promise<StepResult> {
  if (req.quiet && (await s.sh(`cat ${PASSED_MARKER} 2>/dev/null || true`)).trim() === topology(s)) {
    s.log('the HA check passed before for these hosts and nothing changed in this run: not repeated (--only verify-ha repeats it)');
    return result(false);
  }
  await s.sh(`rm -f ${PASSED_MARKER}`);
  const other = s.spec.masters.find((m) => m !== s.spec.firstMaster)!;
  const checker = s.other(other);
  const otherApi = `https://${hostByName(s.spec, other).address}:${API_SERVER_PORT}`;
  const renewTimes = async () =>
    leaseRenewTimes(await checker.sh(`${KUBECTL} --server ${otherApi} -n kube-node-lease get leases -o json`, { timeoutMs: 30_000 }));
  try {
    await stopStaticPods(s, MANIFEST_ASIDE_DIR, API_SERVER_ONLY, 60);
    // What each Lease said once the API server was gone; every later value is a renewal through another one.
    const seen = Object.fromEntries(Object.entries(await renewTimes()).map(([n, t]) => [n, new Set([t])]));
    const renewed = (w: string) => (seen[w]?.size ?? 1) - 1;
    const started = Date.now();
    while (s.spec.workers.some((w) => renewed(w) < RENEWALS) && Date.now() - started < RENEWAL_WAIT_SECONDS * 1000) {
      // Read again soon: the renewal comes at a moment of the kubelet's choosing, and each reading
      // (kubectl on another master) takes a few hundred ms already; every 2 s cost 1 s on average.
      await new Promise((r) => setTimeout(r, 500));
      for (const [n, t] of Object.entries(await renewTimes())) (seen[n] ??= new Set()).add(t);
      s.log(`Lease renewals through haproxy: ${s.spec.workers.map((w) => `${w} ${Math.max(0, renewed(w))}`).join(', ')}`);
    }
    const short = s.spec.workers.filter((w) => renewed(w) < RENEWALS);
    if (short.length)
      throw new Error(
        `with ${s.spec.firstMaster}'s API server down for ${RENEWAL_WAIT_SECONDS} s, the node Lease of ${short.join(', ')} was not renewed (read from ${other}): their kubelets do not reach another API server through haproxy`,
      );
    await s.sh(`mkdir -p /var/lib/hakube && echo ${shq(topology(s))} > ${PASSED_MARKER}`);
    return result(false);
  } finally {
    await startStaticPods(s, MANIFEST_ASIDE_DIR, API_SERVER_ONLY, 0);
    // An older check stopped the kubelet too: a run resumed from it still finds it started.
    await s.sh('systemctl start kubelet');
    await waitForApiServer(s, 'ready', 120);
  }
}

/** Lease name -> spec.renewTime from `kubectl get leases -o json` (the node Leases). */
export function leaseRenewTimes(json: string): Record<string, string> {
  const list = JSON.parse(json) as { items?: { metadata: { name: string }; spec?: { renewTime?: string } }[] };
  return Object.fromEntries((list.items ?? []).map((l) => [l.metadata.name, l.spec?.renewTime ?? '']));
}

export const verifyHaSteps = { verifyHa };
