// Undo actions as plain data: declared by a phase, registered (with the host and the run's backup
// tag) before the step that may half-apply, and run by the `compensate` activity on abort or failure.
import { remotePath, type FileId } from './remote-files';

/** What a phase declares it undoes on a host. */
export interface Undo {
  /** Files put back from this run's backups (or removed if they did not exist before). */
  restore: FileId[];
  stop?: string[];
  restart?: string[];
  start?: string[];
  swapOn?: boolean;
}

/** An undo action registered for one host in one run. */
export interface Compensation {
  host: string;
  phase: string;
  description: string;
  backupTag: string;
  restoreFiles: string[];
  stopUnits?: string[];
  restartUnits?: string[];
  startUnits?: string[];
  swapOn?: boolean;
}

/** The undo in words, for the plan and the progress: derived from the data, so they cannot drift. */
export function describeUndo(undo: Undo): string {
  const parts = [
    undo.restore.length ? `restore ${undo.restore.map(remotePath).join(', ')} from this run's backups` : '',
    undo.stop?.length ? `stop ${undo.stop.join(', ')}` : '',
    undo.restart?.length ? `restart ${undo.restart.join(', ')}` : '',
    undo.start?.length ? `start ${undo.start.join(', ')}` : '',
    undo.swapOn ? 'swapon -a' : '',
  ];
  return parts.filter(Boolean).join('; ');
}

export function compensationFor(undo: Undo, where: { host: string; phase: string; backupTag: string }): Compensation {
  return {
    ...where,
    description: describeUndo(undo),
    restoreFiles: undo.restore.map(remotePath),
    ...(undo.stop && { stopUnits: undo.stop }),
    ...(undo.restart && { restartUnits: undo.restart }),
    ...(undo.start && { startUnits: undo.start }),
    ...(undo.swapOn && { swapOn: true }),
  };
}
