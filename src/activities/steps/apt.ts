// Package helpers shared by the steps: install only what is missing, keys fetched once.
import type { HostSession } from '../host-session';
import { shq } from '../ssh/shell';

/** Names of the packages that are not installed yet (a held package, "hold ok installed", is installed). */
export async function missingPackages(s: HostSession, packages: string[]): Promise<string[]> {
  const out = await s.probe(`for p in ${packages.map(shq).join(' ')}; do dpkg-query -W -f='\${Status}\\n' "\${p%%=*}" 2>/dev/null | grep -Eq '^(install|hold) ok installed$' || echo "$p"; done`);
  return out.stdout.split('\n').filter(Boolean);
}

/** apt-get install of the missing packages; true when something was installed. */
export async function ensurePackages(s: HostSession, packages: string[], options: { update?: boolean } = {}): Promise<boolean> {
  const missing = await missingPackages(s, packages);
  if (!missing.length) return false;
  if (options.update !== false) await s.sh('apt-get update -q', { timeoutMs: 10 * 60_000 });
  await s.sh(`apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold ${missing.map(shq).join(' ')}`, { timeoutMs: 20 * 60_000 });
  return true;
}

/** Downloads a repository signing key to the keyring path when it is missing or different. */
export async function ensureKey(s: HostSession, url: string, keyring: string): Promise<boolean> {
  const tmp = `${keyring}.hakube-download`;
  await s.sh(`mkdir -p -m 755 /etc/apt/keyrings && curl -fsSL --retry 3 ${shq(url)} -o ${shq(tmp)}`, { timeoutMs: 120_000 });
  const same = await s.test(`cmp -s ${shq(tmp)} ${shq(keyring)}`);
  await s.sh(same ? `rm -f ${shq(tmp)}` : `chmod 644 ${shq(tmp)} && mv -f ${shq(tmp)} ${shq(keyring)}`);
  return !same;
}

/** Activates a unit and checks it stays active. */
export async function ensureActive(s: HostSession, unit: string, restart: boolean): Promise<boolean> {
  const active = await s.test(`systemctl is-active --quiet ${unit}`);
  const enabled = await s.test(`systemctl is-enabled --quiet ${unit}`);
  if (!enabled) await s.sh(`systemctl enable ${unit}`);
  if (restart || !active) await s.sh(`systemctl restart ${unit}`);
  await s.sh(`sleep 1; systemctl is-active --quiet ${unit} || { systemctl status --no-pager -n 20 ${unit}; exit 1; }`);
  return restart || !active || !enabled;
}
