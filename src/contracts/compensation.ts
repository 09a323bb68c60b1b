// Undo actions as plain data: declared by a phase, registered (with the host and the run's backup
// tag) before the step that may half-apply, and run by the `compensate` activity on abort or failure.
import { KUBEADM_RESET, remotePath, type FileId } from './remote-files';

/** What a phase declares it undoes on a host. */
export interface Undo {
  /** Files put back from this run's backups (or removed if they did not exist before). */
  restore: FileId[];
  stop?: string[];
  restart?: string[];
  start?: string[];
  swapOn?: boolean;
  /** `kubeadm reset -f`: a half-done kubeadm init or join left as a clean host. */
  kubeadmReset?: boolean;
  /** The host's Node uncordoned, if hakube cordoned it (its annotation says so): run from the first master. */
  uncordon?: boolean;
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
  kubeadmReset?: boolean;
  uncordon?: boolean;
}

/** Marks a Node hakube cordoned (with the run's backup tag), so an undo uncordons only those. */
export const CORDONED_BY_ANNOTATION = 'hakube.io/cordoned-by';

/** The undo in words, for the plan and the progress: derived from the data, so they cannot drift. */
export function describeUndo(undo: Undo): string {
  const parts = [
    undo.restore.length ? `restore ${undo.restore.map(remotePath).join(', ')} from this run's backups` : '',
    undo.stop?.length ? `stop ${undo.stop.join(', ')}` : '',
    undo.restart?.length ? `restart ${undo.restart.join(', ')}` : '',
    undo.start?.length ? `start ${undo.start.join(', ')}` : '',
    undo.swapOn ? 'swapon -a' : '',
    undo.kubeadmReset ? KUBEADM_RESET : '',
    undo.uncordon ? `kubectl uncordon the Node if ${CORDONED_BY_ANNOTATION} says this run cordoned it` : '',
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
    ...(undo.kubeadmReset && { kubeadmReset: true }),
    ...(undo.uncordon && { uncordon: true }),
  };
}

/** Identifies a compensation: a phase run again registers the same ones, which are kept once. */
export const compensationKey = (c: Compensation) => `${c.host}/${c.phase}/${c.description}`;

/** What an operator runs on the host to finish an undo that failed (printed with the failure). */
export function manualUndo(c: Compensation, backupRoot: string): string {
  const files = c.restoreFiles.map((p) => {
    const backup = `${backupRoot}/${c.backupTag}${p}`;
    return `if [ -e ${backup}.absent ]; then rm -f ${p}; else cp -a ${backup} ${p}; fi`;
  });
  const lines = [
    ...(c.kubeadmReset ? [KUBEADM_RESET] : []),
    ...files,
    ...(c.stopUnits ?? []).map((u) => `systemctl stop ${u}`),
    ...(c.restartUnits ?? []).map((u) => `systemctl restart ${u}`),
    ...(c.startUnits ?? []).map((u) => `systemctl start ${u}`),
    ...(c.swapOn ? ['swapon -a'] : []),
  ];
  if (c.uncordon)
    return `on the first master: kubectl --kubeconfig /etc/kubernetes/admin.conf uncordon ${c.host} && kubectl --kubeconfig /etc/kubernetes/admin.conf annotate node ${c.host} ${CORDONED_BY_ANNOTATION}-`;
  return `on ${c.host} as root: ${lines.join('; ')}`;
}
