// Runs one registered compensation: restore files from this run's backups, then put units back.
// Idempotent: a file already restored is left alone, so running it twice is harmless.
import type { Compensation, StepResult } from '../types';
import { result, type HostSession } from '../host-session';

export async function compensate(s: HostSession, c: Compensation): Promise<StepResult> {
  const outcomes: string[] = [];
  for (const path of c.restoreFiles) {
    const outcome = await s.restore(path);
    if (outcome === 'restored' || outcome === 'removed') outcomes.push(`${path} ${outcome}`);
  }
  if (outcomes.length) await s.sh('systemctl daemon-reload');
  const exists = (unit: string) => s.test(`systemctl cat ${unit} >/dev/null 2>&1`);
  for (const unit of c.stopUnits ?? []) if (await exists(unit)) await s.sh(`systemctl stop ${unit}`);
  for (const unit of c.restartUnits ?? []) if (await exists(unit)) await s.probe(`systemctl restart ${unit}`);
  for (const unit of c.startUnits ?? []) if (await exists(unit)) await s.sh(`systemctl start ${unit}`);
  if (c.swapOn) await s.probe('swapon -a');
  const units = [...(c.stopUnits ?? []).map((u) => `stopped ${u}`), ...(c.restartUnits ?? []).map((u) => `restarted ${u}`), ...(c.startUnits ?? []).map((u) => `started ${u}`)];
  return result(outcomes.length > 0, `${c.description}: ${[...outcomes, ...units].join('; ') || 'nothing to restore'}`);
}
