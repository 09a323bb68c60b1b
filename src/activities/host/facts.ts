// Parsers for command output the steps read: pure functions, unit-tested.

/** `key=value` lines (as `echo "id=$ID"` prints them) into a record; other lines are ignored. */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export interface EtcdMember {
  id: string;
  status: string;
  name: string;
  peerUrls: string;
  clientUrls: string;
  /** A learner (added with --learner, not yet promoted): it does not vote and does not count for quorum. */
  isLearner: boolean;
}

/** `etcdctl member list -w simple`: "id, started, name, peer urls, client urls[, is learner]". */
export function parseEtcdMembers(text: string): EtcdMember[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.split(',').map((x) => x.trim()))
    .map(([id, status, name, peerUrls, clientUrls, learner]) => ({
      id,
      status,
      name,
      peerUrls,
      clientUrls,
      isLearner: learner === 'true',
    }));
}

/**
 * The membership an etcd member was started with, from its settings file (etcd.env or the compose
 * file): etcd reads it only at bootstrap, so a member keeps it (rewriting it would restart the member).
 */
export function parseEtcdMembership(text: string): { initialCluster: string; state: 'new' | 'existing' } | undefined {
  const initialCluster = /(?:ETCD_INITIAL_CLUSTER=|--initial-cluster=)(\S+)/.exec(text)?.[1];
  const state = /(?:ETCD_INITIAL_CLUSTER_STATE=|--initial-cluster-state=)(new|existing)\b/.exec(text)?.[1];
  return initialCluster && state ? { initialCluster, state: state as 'new' | 'existing' } : undefined;
}

/** Lines of `kubectl get nodes -o custom-columns=NAME:...,READY:...` (no headers) into name -> Ready status. */
export function parseNodeReady(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => l.trim().split(/\s+/) as [string, string]),
  );
}
