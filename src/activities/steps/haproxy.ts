// Article step 12: haproxy on every worker, kubelet switched to https://127.0.0.1:6443.
// The workflow registers the compensation (restore both kubeconfigs, restart kubelet) before this.
import type { StepResult } from '../types';
import { result, type HostSession } from '../host-session';
import { ensurePackages } from './apt';
import { shq } from '../ssh/shell';
import { hostByName } from '../../inventory/spec';

export const LOCAL_API = 'https://127.0.0.1:6443';
const KUBELET_CONFS = ['/etc/kubernetes/kubelet.conf', '/etc/kubernetes/bootstrap-kubelet.conf'];

export async function installHaproxy(s: HostSession): Promise<StepResult> {
  const installed = await ensurePackages(s, ['haproxy']);
  const config = await s.writeRendered('haproxy-config');
  await s.sh('haproxy -c -q -f /etc/haproxy/haproxy.cfg');
  const active = await s.test('systemctl is-active --quiet haproxy');
  if (!(await s.test('systemctl is-enabled --quiet haproxy'))) await s.sh('systemctl enable haproxy');
  if (config.changed || !active) await s.sh('systemctl restart haproxy || { journalctl -u haproxy -n 5 --no-pager; exit 1; }');
  await s.sh(`for i in 1 2 3 4 5; do ss -ltnH 'sport = :6443' | grep -q '127.0.0.1:6443' && systemctl is-active --quiet haproxy && exit 0; sleep 1; done; echo "haproxy is not listening on 127.0.0.1:6443" >&2; systemctl status haproxy --no-pager -n 5; exit 1`);
  return result(installed || config.changed || !active, 'haproxy listening on 127.0.0.1:6443, round-robin over every API server');
}

/** Rewrites `server:` in both kubelet kubeconfigs (backups kept) and restarts kubelet when changed. */
export async function switchKubeletToLocalProxy(s: HostSession): Promise<StepResult> {
  const changedFiles: string[] = [];
  for (const path of KUBELET_CONFS) {
    if (!(await s.test(`test -f ${path}`))) continue; // kubeadm removes bootstrap-kubelet.conf after bootstrap
    const text = await s.read(path); // holds client credentials: stays in this process
    const switched = text.replace(/^(\s*server:\s*)\S+\s*$/gm, `$1${LOCAL_API}`);
    if (switched !== text && (await s.write(path, switched, 0o600)).changed) changedFiles.push(path);
  }
  if (changedFiles.length) await s.sh('systemctl restart kubelet');
  return result(changedFiles.length > 0, changedFiles.length ? `${changedFiles.join(', ')} now use ${LOCAL_API}; kubelet restarted` : `kubelet already uses ${LOCAL_API}`);
}

const APISERVER_MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';
const NODE_READY = 'custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status';

/**
 * The article's HA check, made to prove something: the first master's API server is taken down (its
 * static pod manifest moved away, so the kubelet stops it) and its kubelet stopped; after longer than the
 * node monitor grace period every worker must still be Ready, i.e. heartbeating through haproxy to the
 * other masters, and the first master must be NotReady (else the wait was too short to tell).
 * The first master is put back in `finally`; the workflow also registers that as a compensation.
 */
export async function verifyHa(s: HostSession, options: { graceSeconds?: number } = {}): Promise<StepResult> {
  const grace = options.graceSeconds ?? 60; // > kube-controller-manager's --node-monitor-grace-period (50 s)
  const other = s.spec.masters.find((m) => m !== s.spec.firstMaster)!;
  const checker = s.other(other);
  const otherAddress = hostByName(s.spec, other).address;
  const address = s.host.address;
  const nodes = async () => {
    const out = await checker.sh(`kubectl --kubeconfig /etc/kubernetes/admin.conf --server https://${otherAddress}:6443 get nodes --no-headers -o ${shq(NODE_READY)}`);
    return Object.fromEntries(out.split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/))) as Record<string, string>;
  };
  await s.remove(APISERVER_MANIFEST);
  try {
    await s.sh(`for i in $(seq 60); do curl -sk -m 2 https://${address}:6443/healthz >/dev/null || exit 0; sleep 1; done; echo "the API server on ${address} still answers 60 s after its manifest was moved" >&2; exit 1`, { timeoutMs: 90_000 });
    await s.sh('systemctl stop kubelet');
    await s.sh(`sleep ${grace}`, { timeoutMs: (grace + 30) * 1000 });
    const ready = await nodes();
    const notReady = s.spec.workers.filter((w) => ready[w] !== 'True');
    if (notReady.length) throw new Error(`with ${s.spec.firstMaster} down for ${grace} s, workers not Ready: ${notReady.join(', ')} (checked from ${other})`);
    if (ready[s.spec.firstMaster] === 'True')
      throw new Error(`${s.spec.firstMaster} still Ready after ${grace} s without its kubelet: the check cannot tell whether workers use haproxy; raise the grace period`);
    return result(false, `workers stayed Ready for ${grace} s with ${s.spec.firstMaster}'s API server and kubelet down (checked from ${other})`);
  } finally {
    await s.restore(APISERVER_MANIFEST);
    await s.sh('systemctl start kubelet');
    await s.sh(`for i in $(seq 120); do curl -sk -m 2 https://${address}:6443/readyz >/dev/null && exit 0; sleep 1; done; echo "the API server on ${address} did not come back" >&2; exit 1`, { timeoutMs: 150_000 });
  }
}
