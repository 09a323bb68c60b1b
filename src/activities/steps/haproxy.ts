// Article step 12: haproxy on every worker, kubelet switched to the local API address.
// The workflow registers the compensation (restore both kubeconfigs, restart kubelet) before this.
import type { HostRequest, StepResult } from '../../contracts/activity-request';
import { withoutHosts } from '../../inventory/spec';
import { API_SERVER_PORT, LOCAL_API_ADDRESS, LOCAL_API_URL, remotePath, type HostPathId } from '../../contracts/remote-files';
import { result, type HostSession } from '../host/session';
import { ensurePackages } from '../host/packages';
import { ensureActive } from '../host/units';
import { writeOwingApply } from '../host/owed-apply';

const KUBELET_CONFS: HostPathId[] = ['kubelet-conf', 'bootstrap-kubelet-conf'];

async function installHaproxy(s: HostSession): Promise<StepResult> {
  const installed = await ensurePackages(s, ['haproxy']);
  // haproxy itself (not Debian's default-config haproxy, not another program) serving the local API address.
  const servesLocalApi = () => s.test(`ss -ltnpH 'sport = :${API_SERVER_PORT}' | grep '${LOCAL_API_ADDRESS}' | grep -q '"haproxy"'`);
  const servingBefore = await servesLocalApi();
  const config = await writeOwingApply(s, 'haproxy', async () => [await s.writeRendered('haproxy-config')]);
  await s.sh(`haproxy -c -q -f ${remotePath('haproxy-config')}`);
  // Our haproxy already serving, whose backends changed (masters added): a reload keeps its kubelet
  // connections. Anything else (a first install, Debian's default config running) is a restart.
  const reloaded = config.mustApply && servingBefore;
  if (reloaded) await s.sh('systemctl reload haproxy');
  const started = await ensureActive(s, 'haproxy', { restart: !servingBefore });
  await s.sh(
    `for i in 1 2 3 4 5; do ss -ltnpH 'sport = :${API_SERVER_PORT}' | grep '${LOCAL_API_ADDRESS}' | grep -q '"haproxy"' && systemctl is-active --quiet haproxy && exit 0; sleep 1; done; ` +
      `echo "haproxy is not listening on ${LOCAL_API_ADDRESS}" >&2; ss -ltnpH 'sport = :${API_SERVER_PORT}' >&2; systemctl status haproxy --no-pager -n 5; exit 1`,
  );
  await config.settled();
  return result(installed || config.changed || reloaded || started);
}

/**
 * `hakube remove` of masters: haproxy.cfg rendered for the masters that stay, then a reload (haproxy's
 * new process takes the socket over; established kubelet connections are served to their end).
 */
async function refreshHaproxy(s: HostSession, req: HostRequest): Promise<StepResult> {
  const after = withoutHosts(s.spec, req.options?.removing ?? []);
  const config = await s.withSpec(after).writeRendered('haproxy-config');
  await s.sh(`haproxy -c -q -f ${remotePath('haproxy-config')}`);
  // Reloaded even when the file was already written: an attempt that died between the write and
  // the reload left haproxy running the old backends.
  await s.sh('systemctl reload haproxy');
  return result(config.changed);
}

/** Rewrites `server:` in both kubelet kubeconfigs (backups kept) and restarts kubelet when changed. */
async function switchKubeletToLocalProxy(s: HostSession): Promise<StepResult> {
  const confs = await writeOwingApply(s, 'kubelet', async () => {
    const written = [];
    for (const id of KUBELET_CONFS) {
      if (!(await s.exists(id))) continue; // kubeadm removes bootstrap-kubelet.conf after bootstrap
      const text = await s.read(id); // holds client credentials: stays in this process
      const switched = text.replace(/^(\s*server:\s*)\S+\s*$/gm, `$1${LOCAL_API_URL}`);
      if (switched !== text) written.push(await s.write(id, switched, 0o600));
    }
    return written;
  });
  if (confs.mustApply) await s.sh('systemctl restart kubelet');
  await confs.settled();
  return result(confs.mustApply);
}

export const haproxySteps = { installHaproxy, switchKubeletToLocalProxy, refreshHaproxy };
