// The article's HA check (step 12), made to prove something: the first master's API server is taken
// down (its static pod manifest moved away, so the kubelet stops it) and its kubelet stopped; after
// longer than the node monitor grace period every worker must still be Ready, i.e. heartbeating
// through haproxy to the other masters, and the first master must be NotReady (else the wait was too
// short to tell). The first master is put back in `finally`; the phase also registers that as a
// compensation.
import type { HostRequest, StepResult } from '../../contracts/activity-request';
import { shq } from '../ssh/shell';
import { API_SERVER_PORT } from '../../contracts/remote-files';
import { API_SERVER_ONLY, startStaticPods, stopStaticPods, waitForApiServer } from '../host/static-pods';
import { hostByName } from '../../inventory/spec';
import { result, type HostSession } from '../host/session';
import { parseNodeReady } from '../host/facts';
import { KUBECTL, NODE_READY_COLUMNS } from './kubectl';

/** Longer than kube-controller-manager's --node-monitor-grace-period (50 s). */
const GRACE_SECONDS = 60;

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
  const nodes = async () =>
    parseNodeReady(await checker.sh(`${KUBECTL} --server ${otherApi} get nodes --no-headers -o ${NODE_READY_COLUMNS}`));
  try {
    await stopStaticPods(s, MANIFEST_ASIDE_DIR, API_SERVER_ONLY, 60);
    await s.sh('systemctl stop kubelet');
    await s.sh(`sleep ${GRACE_SECONDS}`, { timeoutMs: (GRACE_SECONDS + 30) * 1000 });
    const ready = await nodes();
    const notReady = s.spec.workers.filter((w) => ready[w] !== 'True');
    if (notReady.length)
      throw new Error(
        `with ${s.spec.firstMaster} down for ${GRACE_SECONDS} s, workers not Ready: ${notReady.join(', ')} (checked from ${other})`,
      );
    if (ready[s.spec.firstMaster] === 'True')
      throw new Error(
        `${s.spec.firstMaster} still Ready after ${GRACE_SECONDS} s without its kubelet: the check cannot tell whether workers use haproxy; raise the grace period`,
      );
    await s.sh(`mkdir -p /var/lib/hakube && echo ${shq(topology(s))} > ${PASSED_MARKER}`);
    return result(false);
  } finally {
    await startStaticPods(s, MANIFEST_ASIDE_DIR, API_SERVER_ONLY, 0);
    await s.sh('systemctl start kubelet');
    await waitForApiServer(s, 'ready', 120);
  }
}

export const verifyHaSteps = { verifyHa };
