// Shell quoting and the remote wrapper every command runs in.

/** Single-quotes a string for POSIX sh. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export const PGID_MARKER = 'hakube-pgid:';

/** Where the per-host step lock lives (see activities/host/step-lock.ts). */
export const STEP_LOCK_DIR = '/var/lib/hakube/step-lock';

/**
 * Wraps a command so that (1) it runs as root through `sudo -n` when asked, (2) it is the leader of
 * its own process group, whose id it prints first on stderr, so a cancelled or timed-out command
 * can be killed with its children (`kill -- -PGID`), and (3) non-interactive apt never prompts.
 * With `lockOwner` (a step's attempt), the command runs only while that attempt holds the host's step
 * lock, and records its process group there, so the next attempt can find and stop it.
 */
export function wrapCommand(command: string, sudo: boolean, lockOwner?: string): string {
  const guard = lockOwner
    ? `L=${STEP_LOCK_DIR}; [ "$(cat $L/owner 2>/dev/null)" = "$2" ] || { echo "hakube: the step lock of this host is held by another attempt, not $2" >&2; exit 75; }; ` +
      `echo $$ >> $L/pgids; echo "$(date +%s.%N) run $2 $$" >> $L/log; `
    : '';
  const inner = `echo ${PGID_MARKER}$$ >&2; ${guard}exec /bin/sh -c "$1"`;
  const wrapped = `setsid -w /bin/sh -c ${shq(inner)} hakube ${shq(command)}${lockOwner ? ` ${shq(lockOwner)}` : ''}`;
  const env = 'env DEBIAN_FRONTEND=noninteractive LC_ALL=C';
  return sudo ? `sudo -n ${env} ${wrapped}` : `${env} ${wrapped}`;
}
