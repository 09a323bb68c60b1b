// Debian packages, check then act: install only what is missing, hold (repository keys: repo-keys.ts).
import type { HostSession } from './session';
import { shq } from '../ssh/shell';

/** Names of the packages that are not installed yet (a held package, "hold ok installed", is installed). */
export async function missingPackages(s: HostSession, packages: string[]): Promise<string[]> {
  const out = await s.probe(
    `for p in ${packages.map(shq).join(' ')}; do dpkg-query -W -f='\${Status}\\n' "\${p%%=*}" 2>/dev/null | grep -Eq '^(install|hold) ok installed$' || echo "$p"; done`,
  );
  return out.stdout.split('\n').filter(Boolean);
}

/** Touched after each `apt-get update` hakube ran that succeeded. */
const APT_UPDATED_MARK = '/var/lib/hakube/apt-updated';
/** How long package lists hakube fetched are trusted for its installs (one run's steps follow within minutes). */
const APT_LISTS_FRESH_MINUTES = 30;
/** Where apt reads what to fetch and whom to trust: a change here makes the lists stale whatever their age. */
const APT_CONFIG =
  '/etc/apt/sources.list /etc/apt/sources.list.d /etc/apt/keyrings /etc/apt/trusted.gpg.d /etc/apt/preferences.d /etc/apt/apt.conf.d';

/**
 * apt-get update, unless hakube's own last one succeeded under APT_LISTS_FRESH_MINUTES ago and no apt
 * source, key or setting changed since: an install's phases each install packages, and each used to fetch
 * every list again minutes after the last (three times per host in a fresh install). True when it ran.
 */
export async function aptUpdate(s: HostSession, options: { force?: boolean } = {}): Promise<boolean> {
  const fresh =
    !options.force &&
    (await s.test(
      // Fresh: younger than the limit but not from the future (a clock set back), and nothing in apt's configuration newer.
      `[ -n "$(find ${APT_UPDATED_MARK} -mmin -${APT_LISTS_FRESH_MINUTES} ! -newermt now 2>/dev/null)" ] && [ -z "$(find ${APT_CONFIG} -newer ${APT_UPDATED_MARK} 2>/dev/null | head -1)" ]`,
    ));
  if (fresh) return false;
  await s.sh(`apt-get update -q && mkdir -p /var/lib/hakube && touch ${APT_UPDATED_MARK}`, { timeoutMs: 10 * 60_000 });
  return true;
}

/**
 * Runs an apt install on lists aptUpdate found fresh; if it fails there (a version published on the
 * mirror since those lists were fetched), fetches the lists again and tries once more.
 */
async function installWithLists(s: HostSession, update: boolean, install: () => Promise<void>): Promise<void> {
  const fetchedNow = update && (await aptUpdate(s));
  try {
    await install();
  } catch (err) {
    // Only what newer lists can mend: a package or version apt does not know, an index file gone from the mirror.
    if (!update || fetchedNow || !/Unable to locate package|Version '[^']*' for '[^']*' was not found|404\s+Not Found/.test(String(err)))
      throw err;
    s.log('apt-get install failed on package lists fetched earlier: fetching them again');
    await aptUpdate(s, { force: true });
    await install();
  }
}

/** Where the runtime drop-in that keeps a unit from starting while apt runs goes (see heldBackWhile). */
const heldBackDir = (unit: string) => `/run/systemd/system/${unit}.d`;
const heldBackDropIn = (unit: string) => `${heldBackDir(unit)}/zz-hakube-held-back.conf`;

/**
 * Removes hakube's hold on the units' start, if one is there (left by a connection that died while apt ran).
 * Steps that start a held-back unit call it first: a unit whose start condition fails "starts" without running.
 */
export async function releaseHeldBack(s: HostSession, units: string[]): Promise<void> {
  if (units.length) await s.sh(releaseHeldBackCommand(units));
}

/** releaseHeldBack's shell command, for a step that runs it with its own (one SSH round trip less). */
export function releaseHeldBackCommand(units: string[]): string {
  const files = units.map((u) => shq(heldBackDropIn(u))).join(' ');
  // Each on its own: a unit that was running was not held back, so its file is not there.
  return `removed=; for f in ${files}; do [ -e "$f" ] && rm -f "$f" && removed=1; done; [ -z "$removed" ] || systemctl daemon-reload`;
}

/**
 * Runs `work` with the units' start held back: a runtime drop-in (/run/systemd/system/UNIT.d/) whose start
 * condition cannot hold, so a package's postinst "starts" them without running them. A drop-in applies
 * whichever unit file is in use — the package's or one hakube wrote in /etc/systemd/system earlier (left by
 * `reset --purge`), which a runtime mask would not cover — and is gone at the next boot. A unit already
 * running is left alone (a restart under the hold would stop it).
 */
async function heldBackWhile<T>(s: HostSession, units: string[], work: () => Promise<T>): Promise<T> {
  if (!units.length) return work();
  const hold = units
    .map((u) => {
      const never = `printf '[Unit]\\nConditionPathExists=/nonexistent/hakube-held-back\\n' > ${shq(heldBackDropIn(u))}`;
      return `{ systemctl is-active --quiet ${shq(u)} || { mkdir -p ${shq(heldBackDir(u))} && ${never}; }; }`;
    })
    .join(' && ');
  await s.sh(`${hold} && systemctl daemon-reload`);
  let failed = true;
  try {
    const result = await work();
    failed = false;
    return result;
  } finally {
    // After a failure the work's own error is the one to report (a hold left behind is released by the starting step).
    await releaseHeldBack(s, units).catch((err: unknown) => {
      if (!failed) throw err;
    });
  }
}

/**
 * apt-get install of the missing packages; true when something was installed. `holdBackStart`: units
 * the packages would start on install (their postinst) kept from starting until apt is done, for a step
 * that starts them later, configured (heldBackWhile).
 */
export async function ensurePackages(
  s: HostSession,
  packages: string[],
  options: { update?: boolean; holdBackStart?: string[] } = {},
): Promise<boolean> {
  const missing = await missingPackages(s, packages);
  if (!missing.length) return false;
  await heldBackWhile(s, options.holdBackStart ?? [], async () => {
    // An install cut off earlier (a worker or connection that died, an attempt stopped by the step lock)
    // leaves dpkg half-configured, and apt refuses to go on until it is finished.
    await s.sh('dpkg --configure -a', { timeoutMs: 10 * 60_000 });
    // Waits for another apt (unattended-upgrades) instead of failing at once on its lock.
    await installWithLists(s, options.update !== false, async () => {
      await s.sh(
        `apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confold ${missing.map(shq).join(' ')}`,
        { timeoutMs: 20 * 60_000 },
      );
    });
  });
  return true;
}

/**
 * Which of the packages are held: dpkg's selection "hold", which `apt-mark hold` sets. Read with dpkg-query
 * (milliseconds) instead of `apt-mark showhold`, which loads apt's whole package cache (0.4-0.7 s on six
 * lab hosts at once, on the packages phase's critical path).
 */
export async function heldPackages(s: HostSession, packages: string[]): Promise<string[]> {
  const out = await s.sh(`dpkg-query -W -f='\${Package} \${db:Status-Want}\\n' ${packages.map(shq).join(' ')} 2>/dev/null || true`);
  const held = out
    .split('\n')
    .filter((line) => line.endsWith(' hold'))
    .map((line) => line.split(' ')[0]);
  return packages.filter((p) => held.includes(p));
}

/** apt-mark hold for the packages not held yet; true when any was. */
export async function ensureHeld(s: HostSession, packages: string[]): Promise<boolean> {
  const held = await heldPackages(s, packages);
  const toHold = packages.filter((p) => !held.includes(p));
  if (toHold.length) await s.sh(`apt-mark hold ${toHold.map(shq).join(' ')}`);
  return toHold.length > 0;
}

/** The installed version of a package, or '' when it is not installed. */
export async function installedVersion(s: HostSession, pkg: string): Promise<string> {
  return (await s.sh(`dpkg-query -W -f='\${Version}' ${shq(pkg)} 2>/dev/null || true`)).trim();
}

/** Whether the host asks for a reboot (Debian's /run/reboot-required) and which packages asked. */
export async function rebootRequiredBy(s: HostSession): Promise<{ required: boolean; reason: string }> {
  const r = await s.probe('test -f /run/reboot-required && { cat /run/reboot-required.pkgs 2>/dev/null | tr "\\n" " "; true; }');
  if (r.code !== 0) return { required: false, reason: '' };
  const pkgs = r.stdout.trim();
  return { required: true, reason: `/run/reboot-required${pkgs ? ` by ${pkgs}` : ''}` };
}

/**
 * Packages brought to the version `pin` matches (apt's `pkg=1.37.1-*`), held again afterwards: only
 * those not already there are unheld and installed (an upgrade, never a downgrade: apt refuses one
 * without --allow-downgrades). True when any was installed.
 */
export async function ensurePackagesAt(
  s: HostSession,
  packages: string[],
  pin: string,
  matches: (installed: string) => boolean,
): Promise<boolean> {
  const stale: string[] = [];
  // Only a fully installed package counts: a dpkg run killed between unpacking and configuring has
  // already recorded the new version, with the status "unpacked" or "half-configured".
  for (const p of packages) {
    const [status, version] = (await s.sh(`dpkg-query -W -f='\${db:Status-Abbrev} \${Version}' ${shq(p)} 2>/dev/null || true`))
      .trim()
      .split(/\s+/);
    if (!/^[ih]i$/.test(status ?? '') || !matches(version ?? '')) stale.push(p);
  }
  if (stale.length) {
    await s.sh('dpkg --configure -a', { timeoutMs: 10 * 60_000 });
    await s.sh(`apt-mark unhold ${stale.map(shq).join(' ')}`);
    await installWithLists(s, true, async () => {
      await s.sh(
        `apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confold ${stale.map((p) => shq(`${p}=${pin}`)).join(' ')}`,
        { timeoutMs: 20 * 60_000 },
      );
    });
  }
  await ensureHeld(s, packages);
  return stale.length > 0;
}
