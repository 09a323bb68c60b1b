// Reboots a host (only ever called after the operator approved it) and waits until it is back,
// and tells whether a host asks for a reboot at all.
//
// Exactly one reboot per approval: the workflow reads the boot marker first (bootMarker) and passes it
// to rebootHost in the activity input, which lives in history. Any attempt of rebootHost first looks
// at the host: a different marker means the reboot already happened (a retry after a worker died)
// and it only waits; an unreachable host is waited for, never rebooted again.
import type { HostRequest, RebootCheck, StepResult } from '../../contracts/activity-request';
import { result, type HostSession } from '../host/session';
import { rebootRequiredBy } from '../host/packages';
import { BOOT_MARKER_COMMAND } from '../host/container-host';

const POLL_MS = 2000;

async function bootMarker(s: HostSession): Promise<{ changed: false; marker: string }> {
  return { changed: false, marker: (await s.sh(BOOT_MARKER_COMMAND)).trim() };
}

/** The current marker and system state, or undefined while the host is down. */
async function look(s: HostSession): Promise<{ marker: string; state: string } | undefined> {
  try {
    const marker = (await s.sh(BOOT_MARKER_COMMAND, { timeoutMs: 15_000 })).trim();
    const state = (await s.probe('systemctl is-system-running', { timeoutMs: 15_000 })).stdout.trim();
    return { marker, state };
  } catch {
    s.pool.forget(s.conn);
    return undefined;
  }
}

async function rebootHost(s: HostSession, req: HostRequest): Promise<StepResult> {
  let before = req.bootMarker;
  if (!before) before = (await bootMarker(s)).marker; // runs started before the marker moved into history
  for (;;) {
    const now = await look(s);
    if (now && now.marker !== before) {
      if (['running', 'degraded'].includes(now.state)) return result(true);
    } else if (now) {
      // Still the boot the operator approved leaving: reboot it (once: the next look sees a new marker).
      await s.probe(
        `echo "$(date +%s.%N) reboot ${before.split('\n')[0]}" >> /var/lib/hakube/reboots.log; nohup sh -c "sleep 1; systemctl reboot" >/dev/null 2>&1 &`,
      );
      await new Promise((r) => setTimeout(r, 3000));
      // Wait for the marker to change before ever considering another reboot.
      for (;;) {
        const after = await look(s);
        if (after && after.marker !== before) break;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      continue;
    }
    await new Promise((r) => setTimeout(r, POLL_MS)); // down, or booting: the activity's timeout bounds this loop
  }
}

async function rebootRequired(s: HostSession): Promise<RebootCheck> {
  return rebootRequiredBy(s);
}

export const rebootSteps = { bootMarker, rebootHost, rebootRequired };
