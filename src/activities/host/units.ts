// systemd units, check then act: enable, start or restart only when needed.
import type { HostSession } from './session';
import { shq } from '../ssh/shell';

export const unitExists = (s: HostSession, unit: string) => s.test(`systemctl cat ${shq(unit)} >/dev/null 2>&1`);
export const unitActive = (s: HostSession, unit: string) => s.test(`systemctl is-active --quiet ${shq(unit)}`);

/** Enables a unit when it is not (true when it did). */
export async function ensureEnabled(s: HostSession, unit: string): Promise<boolean> {
  if (await s.test(`systemctl is-enabled --quiet ${shq(unit)}`)) return false;
  await s.sh(`systemctl enable ${shq(unit)}`);
  return true;
}

/**
 * Enables a unit, (re)starts it when it is not active or when `restart` (its config changed), then
 * checks it stays active. `noBlock` returns as soon as the start is queued (etcd reports ready only
 * once a quorum of its peers runs: a gate waits for that instead). True when anything was done.
 */
export async function ensureActive(s: HostSession, unit: string, options: { restart?: boolean; noBlock?: boolean } = {}): Promise<boolean> {
  const active = await unitActive(s, unit);
  const enabled = await ensureEnabled(s, unit);
  const start = !!options.restart || !active;
  if (!start) return enabled; // active a moment ago, and nothing changed since
  await s.sh(`systemctl ${active ? 'restart' : 'start'}${options.noBlock ? ' --no-block' : ''} ${shq(unit)}`);
  // Stays up? systemctl waited for a Type=notify unit (containerd, haproxy, docker) to say it is ready, so
  // one that fails on its config has failed by now; other types are only forked: they get a second to fail.
  if (!options.noBlock)
    await s.sh(
      `[ "$(systemctl show -p Type --value ${shq(unit)})" = notify ] || sleep 1; systemctl is-active --quiet ${shq(unit)} || { systemctl status --no-pager -n 20 ${shq(unit)}; exit 1; }`,
    );
  return true;
}
