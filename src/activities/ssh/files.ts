// Writing a file on a host: SFTP to a temporary file, then (as root when needed) keep a backup of
// the file it replaces and move the new one into place atomically. Unchanged content is left alone,
// so a re-run changes nothing. Backups live under /var/lib/hakube/backups/<tag>/<path>, outside
// directories that tools scan (apt ignores nothing in sources.list.d quietly); a "<path>.absent"
// marker records that there was no file, so restoring removes it.
import { randomBytes } from 'node:crypto';
import type { SFTPWrapper } from 'ssh2';
import type { HostConnection } from '../../inventory/spec';
import type { SshPool } from './pool';
import { run, type ExecOptions } from './exec';
import { shq } from './shell';

import { BACKUP_ROOT } from '../../contracts/remote-files';

export interface WriteResult {
  path: string;
  changed: boolean;
  /** Where the previous content was saved (or its ".absent" marker); null when nothing was replaced. */
  backupPath: string | null;
}

export interface WriteOptions {
  mode?: number;
  /** Backups are kept once per tag (per install run): a retried write keeps the first original. */
  backupTag: string;
}

export const backupPathOf = (tag: string, path: string) => `${BACKUP_ROOT}/${tag}${path}`;

function sftpWrite(s: SFTPWrapper, remote: string, content: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => s.writeFile(remote, content, { mode: 0o600 }, (err) => (err ? reject(err) : resolve())));
}

/** How many runs' backups a host keeps (older runs' are removed when a new run first backs up). */
export const BACKUP_RUNS_KEPT = 5;

/**
 * Creates the backup directory of a run: root-only (0700: backups hold kubeconfigs and configs with
 * credentials), and when the run's directory is new, older runs' beyond the last BACKUP_RUNS_KEPT are
 * removed. Shell, sourced by the scripts below ($backup set).
 */
const BACKUP_DIR = `
root=${BACKUP_ROOT}
run=$root/$(printf '%s' "\${backup#$root/}" | cut -d/ -f1)
if [ ! -d "$run" ]; then
  mkdir -p -m 700 "$root"; chmod 700 "$root"; mkdir -m 700 "$run"
  ls -1dt "$root"/*/ 2>/dev/null | tail -n +${BACKUP_RUNS_KEPT + 1} | while read -r old; do rm -rf "$old"; done
fi
(umask 077; mkdir -p "$(dirname "$backup")")
`;

const INSTALL_SCRIPT = `
set -eu
tmp=$1; dst=$2; mode=$3; backup=$4
if [ -f "$dst" ] && cmp -s "$tmp" "$dst"; then
  chmod "$mode" "$dst"; rm -f "$tmp"; echo unchanged
else
  ${BACKUP_DIR}
  mkdir -p "$(dirname "$dst")"
  if [ ! -e "$backup" ] && [ ! -e "$backup.absent" ]; then
    if [ -e "$dst" ]; then cp -a "$dst" "$backup"; else : > "$backup.absent"; fi
  fi
  install -m "$mode" "$tmp" "$dst.hakube-new"
  mv -f "$dst.hakube-new" "$dst"
  rm -f "$tmp"; echo changed
fi
if [ -e "$backup" ]; then echo "backup=$backup"; elif [ -e "$backup.absent" ]; then echo "backup=$backup.absent"; fi
`;

export async function writeFile(
  pool: SshPool,
  conn: HostConnection,
  path: string,
  content: string | Buffer,
  options: WriteOptions,
  execOptions: ExecOptions = {},
): Promise<WriteResult> {
  if (!path.startsWith('/')) throw new Error(`remote path must be absolute: ${path}`);
  const tmp = `/tmp/hakube-upload-${randomBytes(6).toString('hex')}`;
  const mode = (options.mode ?? 0o644).toString(8);
  const backup = backupPathOf(options.backupTag, path);
  let stdout: string;
  try {
    await pool.withSftp(conn, (s) => sftpWrite(s, tmp, content));
    ({ stdout } = await run(
      pool,
      conn,
      `/bin/sh -c ${shq(INSTALL_SCRIPT)} install ${shq(tmp)} ${shq(path)} ${mode} ${shq(backup)}`,
      execOptions,
    ));
  } catch (err) {
    // The upload may hold secrets (a join config): never leave it behind, whatever failed.
    await run(pool, conn, `rm -f ${shq(tmp)}`, { timeoutMs: 30_000 }).catch(() => undefined);
    throw err;
  }
  const backupLine = stdout.split('\n').find((l) => l.startsWith('backup='));
  return { path, changed: stdout.split('\n')[0] === 'changed', backupPath: backupLine ? backupLine.slice('backup='.length) : null };
}

const RESTORE_SCRIPT = `
set -eu
dst=$1; backup=$2
if [ -e "$backup" ]; then
  if [ -e "$dst" ] && cmp -s "$backup" "$dst"; then echo unchanged; exit 0; fi
  mkdir -p "$(dirname "$dst")"; cp -a "$backup" "$dst.hakube-new"; mv -f "$dst.hakube-new" "$dst"; echo restored
elif [ -e "$backup.absent" ]; then
  if [ -e "$dst" ]; then rm -f "$dst"; echo removed; else echo unchanged; fi
else
  echo no-backup
fi
`;

export type RestoreOutcome = 'restored' | 'removed' | 'unchanged' | 'no-backup';

/** Puts back the file saved under this tag (idempotent: restoring twice changes nothing more). */
export async function restoreFile(
  pool: SshPool,
  conn: HostConnection,
  path: string,
  backupTag: string,
  execOptions: ExecOptions = {},
): Promise<RestoreOutcome> {
  const { stdout } = await run(
    pool,
    conn,
    `/bin/sh -c ${shq(RESTORE_SCRIPT)} restore ${shq(path)} ${shq(backupPathOf(backupTag, path))}`,
    execOptions,
  );
  return stdout.trim() as RestoreOutcome;
}

const REMOVE_SCRIPT = `
set -eu
dst=$1; backup=$2
if [ ! -e "$dst" ]; then echo unchanged; exit 0; fi
${BACKUP_DIR}
if [ ! -e "$backup" ] && [ ! -e "$backup.absent" ]; then cp -a "$dst" "$backup"; fi
rm -f "$dst"; echo removed
`;

/** Removes a file after saving it under this tag, so restoreFile can put it back. True when it existed. */
export async function removeFile(
  pool: SshPool,
  conn: HostConnection,
  path: string,
  backupTag: string,
  execOptions: ExecOptions = {},
): Promise<boolean> {
  const { stdout } = await run(
    pool,
    conn,
    `/bin/sh -c ${shq(REMOVE_SCRIPT)} remove ${shq(path)} ${shq(backupPathOf(backupTag, path))}`,
    execOptions,
  );
  return stdout.trim() === 'removed';
}

const BACKUP_SCRIPT = `
set -eu
dst=$1; backup=$2
[ -e "$dst" ] || exit 0
${BACKUP_DIR}
if [ ! -e "$backup" ] && [ ! -e "$backup.absent" ]; then cp -a "$dst" "$backup"; fi
`;

/** Saves a file a tool is about to replace (kubeadm certs renew) under this tag; the first copy wins. */
export async function backupFile(
  pool: SshPool,
  conn: HostConnection,
  path: string,
  backupTag: string,
  execOptions: ExecOptions = {},
): Promise<void> {
  await run(pool, conn, `/bin/sh -c ${shq(BACKUP_SCRIPT)} backup ${shq(path)} ${shq(backupPathOf(backupTag, path))}`, execOptions);
}

/** Reads a file (as root when the host uses sudo). Never use for secrets that would be returned to a workflow. */
export async function readFile(pool: SshPool, conn: HostConnection, path: string, execOptions: ExecOptions = {}): Promise<string> {
  return (await run(pool, conn, `cat ${shq(path)}`, execOptions)).stdout;
}
