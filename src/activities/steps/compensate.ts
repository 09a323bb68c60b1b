// Runs one registered compensation: restore files from this run's backups, then put units back.
// Idempotent: a file already restored is left alone, so running it twice is harmless.
import type { StepResult } from '../../contracts/activity-request';
import type { Compensation } from '../../contracts/compensation';
import { result, type HostSession } from '../host/session';
import { unitExists } from '../host/units';
import { shq } from '../ssh/shell';
import { backupPathOf } from '../ssh/files';
import { HOST_PATHS, KUBEADM_RESET, RENDERED_FILES } from '../../contracts/remote-files';
import { BACKUP_TAG } from '../request-check';
import { uncordonIfCordonedBy } from './remove';

/** Units a compensation may touch: the ones hakube's phases manage. */
const UNITS = new Set(['containerd', 'etcd', 'kubelet', 'haproxy']);
/** Files a compensation may restore: the catalogue's. */
const PATHS = new Set([...RENDERED_FILES.map((f) => f.path), ...Object.values(HOST_PATHS)]);

/**
 * Compensations arrive as data (in history, by signal): the worker runs only what the phases can
 * declare, so a forged or corrupted one cannot stop an arbitrary unit or overwrite an arbitrary file.
 */
export function refusedCompensation(c: Compensation): string | undefined {
  const units = [...(c.stopUnits ?? []), ...(c.restartUnits ?? []), ...(c.startUnits ?? [])];
  const badUnit = units.find((u) => !UNITS.has(u));
  if (badUnit) return `unit ${JSON.stringify(badUnit)} is not one hakube manages`;
  const badPath = c.restoreFiles.find((p) => !PATHS.has(p));
  if (badPath) return `file ${JSON.stringify(badPath)} is not one hakube writes`;
  if (!BACKUP_TAG.test(c.backupTag)) return `backup tag ${JSON.stringify(c.backupTag)} is malformed`;
  return undefined;
}

export async function compensate(s: HostSession, c: Compensation): Promise<StepResult> {
  const refused = refusedCompensation(c);
  if (refused) s.refuse(`compensation refused: ${refused}`, 'CompensationRefused');
  if (c.uncordon) return result(await uncordonIfCordonedBy(s, c.backupTag));
  // First, so the files kubeadm leaves are gone before backups are put back; and only when this run
  // started kubeadm on the host (kubeadm.ts marks it): a re-run that found the host joined resets nothing.
  if (c.kubeadmReset)
    await s.sh(
      `[ -e ${shq(backupPathOf(c.backupTag, '/kubeadm-started'))} ] || exit 0; ${KUBEADM_RESET} && rm -f /var/lib/hakube/kubeadm-*.done`,
      {
        timeoutMs: 5 * 60_000,
      },
    );
  let restored = false;
  let backedUp = false;
  for (const path of c.restoreFiles) {
    const outcome = await s.restore(path);
    if (outcome === 'restored' || outcome === 'removed') restored = true;
    if (outcome !== 'no-backup') backedUp = true;
  }
  if (restored) await s.sh('systemctl daemon-reload');
  // Units are stopped or restarted only when this run had changed their files (it has a backup of one):
  // a re-run that found a host as configured (e.g. the etcd of a running cluster) leaves it running
  // when an abort undoes the run. Decided by the backup, not by this attempt's restore, so a retried
  // undo whose first attempt restored the files still stops or restarts the unit.
  const changedHere = backedUp || c.restoreFiles.length === 0;
  if (changedHere) for (const unit of c.stopUnits ?? []) if (await unitExists(s, unit)) await s.sh(`systemctl stop ${shq(unit)}`);
  // A unit that cannot restart with the restored config is left for the operator (the run pauses anyway).
  if (changedHere) for (const unit of c.restartUnits ?? []) if (await unitExists(s, unit)) await s.probe(`systemctl restart ${shq(unit)}`);
  for (const unit of c.startUnits ?? []) if (await unitExists(s, unit)) await s.sh(`systemctl start ${shq(unit)}`);
  if (c.swapOn) await s.probe('swapon -a');
  return result(restored);
}
