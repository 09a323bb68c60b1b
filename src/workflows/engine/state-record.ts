// The install's fast path (activities/host/state-record.ts): before any phase, every host compares its
// state with the record the last full install left (one read-only activity per host, all at once); if
// every record holds, no step runs. After a full install that succeeded, every host writes its record.
import type { ClusterSpec } from '../../inventory/spec';
import type { StateVerdict } from '../../contracts/activity-request';
import { byPolicy, probe } from '../activity-options';
import { failureMessage } from '../failure-message';

export type LastInstall = { holds: true; run: string; at: string } | { holds: false; why: string };

export async function lastInstallHolds(spec: ClusterSpec, backupTag: string): Promise<LastInstall> {
  const verdicts: (StateVerdict & { host: string })[] = await Promise.all(
    spec.hosts.map(({ name: host }) =>
      probe.checkStateRecord({ spec, host, backupTag }).then(
        (v): StateVerdict & { host: string } => ({ ...v, host }),
        (err: unknown): StateVerdict & { host: string } => ({
          changed: false,
          holds: false,
          why: `not checked (${failureMessage(err)})`,
          host,
        }),
      ),
    ),
  );
  const differing = verdicts.filter((v) => !v.holds);
  if (differing.length) {
    const shown = differing.slice(0, 3).map((v) => `${v.host}: ${v.why}`);
    return { holds: false, why: shown.join('; ') + (differing.length > 3 ? `; and ${differing.length - 3} more host(s)` : '') };
  }
  // The newest record speaks for the run (hosts may hold records of different full installs, each still true).
  const newest = verdicts.reduce((a, b) => ((b.at ?? '') > (a.at ?? '') ? b : a));
  return { holds: true, run: newest.run ?? '?', at: newest.at ?? '?' };
}

/**
 * Every host's record after a full install that succeeded (long: the first master reads every add-on
 * manifest again); a host that fails it, or is not converged, only loses the fast path.
 */
export async function recordInstall(spec: ClusterSpec, backupTag: string): Promise<string | undefined> {
  const notes: string[] = [];
  await Promise.all(
    spec.hosts.map(({ name: host }) =>
      byPolicy.long.recordState({ spec, host, backupTag }).then(
        (r) => void notes.push(...(r.warnings ?? [])),
        (err: unknown) => void notes.push(`state record not written on ${host} (${failureMessage(err)}): the next \`up\` runs every step`),
      ),
    ),
  );
  return notes.length ? notes.join('; ') : undefined;
}
