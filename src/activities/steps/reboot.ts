// Reboots a host (only ever called after the operator approved it) and waits until it is back,
// and tells whether a host asks for a reboot at all.
import type { RebootCheck, StepResult } from '../../contracts/activity-request';
import { activityContext, result, type HostSession } from '../host/session';
import { rebootRequiredBy } from '../host/packages';
import { BOOT_MARKER_COMMAND } from '../host/container-host';

const POLL_MS = 2000;

async function rebootHost(s: HostSession): Promise<StepResult> {
  const heartbeat = (d: object) => activityContext()?.heartbeat(d);
  // A retried attempt whose reboot already happened only waits (the marker survives in heartbeat details).
  let before = (activityContext()?.info.heartbeatDetails as { marker?: string } | undefined)?.marker;
  if (!before) {
    before = (await s.sh(BOOT_MARKER_COMMAND)).trim();
    heartbeat({ marker: before });
    await s.probe('nohup sh -c "sleep 1; systemctl reboot" >/dev/null 2>&1 &');
  }
  const started = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    heartbeat({ marker: before, waitingSeconds: Math.round((Date.now() - started) / 1000) });
    s.pool.forget(s.conn);
    try {
      const now = (await s.sh(BOOT_MARKER_COMMAND, { timeoutMs: 15_000 })).trim();
      const state = (await s.probe('systemctl is-system-running')).stdout.trim();
      if (now !== before && ['running', 'degraded'].includes(state)) return result(true);
    } catch {
      /* still down: keep waiting, the activity's timeout bounds this loop */
    }
  }
}

async function rebootRequired(s: HostSession): Promise<RebootCheck> {
  return rebootRequiredBy(s);
}

export const rebootSteps = { rebootHost, rebootRequired };
