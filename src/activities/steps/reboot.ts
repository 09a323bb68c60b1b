// Reboots a host (only ever called after the operator approved it) and waits until it is back.
// A reboot is detected by a changed boot marker, not by SSH dropping: a container host is down for
// under 2 s and keeps the VM's boot_id, so the marker also holds multi-user.target's start time.
import type { StepResult } from '../types';
import { activityContext, result, type HostSession } from '../host-session';

const MARKER = 'cat /proc/sys/kernel/random/boot_id; systemctl show -p ActiveEnterTimestamp --value multi-user.target';


export async function rebootHost(s: HostSession, options: { pollMs?: number } = {}): Promise<StepResult> {
  const heartbeat = (d: object) => activityContext()?.heartbeat(d);
  // A retried attempt whose reboot already happened only waits (the marker survives in heartbeat details).
  let before = (activityContext()?.info.heartbeatDetails as { marker?: string } | undefined)?.marker;
  if (!before) {
    before = (await s.sh(MARKER)).trim();
    heartbeat({ marker: before });
    await s.probe('nohup sh -c "sleep 1; systemctl reboot" >/dev/null 2>&1 &');
  }
  const started = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, options.pollMs ?? 2000));
    heartbeat({ marker: before, waitingSeconds: Math.round((Date.now() - started) / 1000) });
    s.pool.forget(s.conn);
    try {
      const now = (await s.sh(MARKER, { timeoutMs: 15_000 })).trim();
      const state = (await s.probe('systemctl is-system-running')).stdout.trim();
      if (now !== before && ['running', 'degraded'].includes(state))
        return result(true, `rebooted and back (${state}) after ${Math.round((Date.now() - started) / 1000)} s, kernel ${(await s.sh('uname -r')).trim()}`);
    } catch {
      /* still down: keep waiting, the activity's timeout bounds this loop */
    }
  }
}

export async function installBackportsKernel(s: HostSession): Promise<StepResult & { rebootNeeded: boolean }> {
  const source = await s.writeRendered('apt-backports');
  if (source.changed) await s.sh('apt-get update -q', { timeoutMs: 10 * 60_000 });
  const before = (await s.sh("dpkg-query -W -f='${Version}' linux-image-amd64 2>/dev/null || true")).trim();
  await s.sh(`apt-get install -y -q -t ${s.spec.packages.debianRelease}-backports linux-image-amd64`, { timeoutMs: 20 * 60_000 });
  const after = (await s.sh("dpkg-query -W -f='${Version}' linux-image-amd64")).trim();
  const rebootNeeded = await s.test('test -f /run/reboot-required');
  return { ...result(before !== after, `linux-image-amd64 ${after}`), rebootNeeded };
}

export async function checkKernel(s: HostSession): Promise<StepResult> {
  const running = (await s.sh('uname -r')).trim();
  const [maj, min] = running.split('.').map((x) => parseInt(x, 10));
  const [needMaj, needMin] = s.spec.kernel.minVersion.split('.').map(Number);
  if (maj < needMaj || (maj === needMaj && min < needMin)) throw new Error(`${s.host.name}: kernel ${running} is older than kernel.minVersion ${s.spec.kernel.minVersion}`);
  return result(false, `kernel ${running}`);
}
