// Shell quoting and the remote wrapper every command runs in.

/** Single-quotes a string for POSIX sh. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export const PGID_MARKER = 'hakube-pgid:';

/**
 * Wraps a command so that (1) it runs as root through `sudo -n` when asked, (2) it is the leader of
 * its own process group, whose id it prints first on stderr, so a cancelled or timed-out command
 * can be killed with its children (`kill -- -PGID`), and (3) non-interactive apt never prompts.
 */
export function wrapCommand(command: string, sudo: boolean): string {
  const inner = `echo ${PGID_MARKER}$$ >&2; exec /bin/sh -c "$1"`;
  const wrapped = `setsid -w /bin/sh -c ${shq(inner)} hakube ${shq(command)}`;
  const env = 'env DEBIAN_FRONTEND=noninteractive LC_ALL=C';
  return sudo ? `sudo -n ${env} ${wrapped}` : `${env} ${wrapped}`;
}
