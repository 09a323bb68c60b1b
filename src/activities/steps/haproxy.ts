// Article step 12: haproxy on every worker, kubelet switched to https://127.0.0.1:6443.
// The workflow registers the compensation (restore both kubeconfigs, restart kubelet) before this.
import type { StepResult } from '../types';
import { result, type HostSession } from '../host-session';
import { ensurePackages } from './apt';
import { kubectl } from './kubectl';

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

/** The article's HA check: with kubelet stopped on the first master, every worker stays Ready. */
export async function verifyHa(s: HostSession, options: { graceSeconds?: number } = {}): Promise<StepResult> {
  const other = s.spec.masters.find((m) => m !== s.spec.firstMaster)!;
  const checker = s.other(other);
  const grace = options.graceSeconds ?? 50;
  await s.sh('systemctl stop kubelet');
  try {
    await s.sh(`sleep ${grace}`, { timeoutMs: (grace + 30) * 1000 });
    const out = await checker.sh("kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes --no-headers -o custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type==\\\"Ready\\\")].status");
    const ready = Object.fromEntries(out.split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/)));
    const notReady = s.spec.workers.filter((w) => ready[w] !== 'True');
    if (notReady.length) throw new Error(`with kubelet stopped on ${s.spec.firstMaster}, workers not Ready: ${notReady.join(', ')}`);
    return result(false, `workers stayed Ready for ${grace} s with ${s.spec.firstMaster}'s kubelet stopped (checked from ${other})`);
  } finally {
    await s.sh('systemctl start kubelet');
  }
}

