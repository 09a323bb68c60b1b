// Files that only take effect through an action (a restart, a reload, `apt-get update`): the action is
// owed from the moment a file may change until it has run, across attempts.
//
// Without this a worker killed between the write and the action leaves files that no longer change,
// and the retry, seeing "unchanged", skips the action: haproxy kept serving Debian's default config
// (nothing on 127.0.0.1:6443), etcd kept running as Debian's single-node member (the cluster never
// formed a quorum). Both were found by the lab's fault test.
import { shq } from '../ssh/shell';
import type { HostSession } from './session';

export const OWED_DIR = '/var/lib/hakube/apply-owed';

export interface OwedApply {
  /** A file changed in this attempt. */
  changed: boolean;
  /** The action must run: a file changed now, or an earlier attempt changed one and died before its action. */
  mustApply: boolean;
  /** Records that the action ran (or was not needed): the next attempt owes nothing. */
  settled(): Promise<void>;
}

/**
 * Writes files whose action is named `action` (one name per unit or tool, e.g. "haproxy"). The marker
 * goes down before any file is written and stays until `settled()`, so it is never missing while a
 * written file waits for its action. One round trip before, one after.
 */
export async function writeOwingApply(s: HostSession, action: string, write: () => Promise<{ changed: boolean }[]>): Promise<OwedApply> {
  const marker = shq(`${OWED_DIR}/${action}`);
  const owedBefore =
    (await s.sh(`if [ -e ${marker} ]; then echo owed; else mkdir -p ${OWED_DIR} && touch ${marker}; fi`)).trim() === 'owed';
  if (owedBefore) s.log(`${action}: owed by an earlier attempt that stopped after writing its files`);
  const changed = (await write()).some((w) => w.changed);
  return {
    changed,
    mustApply: changed || owedBefore,
    settled: async () => void (await s.sh(`rm -f ${marker}`)),
  };
}
