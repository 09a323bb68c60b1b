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
}

/** `etcdctl member list -w simple`: "id, started, name, peer urls, client urls[, is learner]". */
export function parseEtcdMembers(text: string): EtcdMember[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.split(',').map((x) => x.trim()))
    .map(([id, status, name, peerUrls, clientUrls]) => ({ id, status, name, peerUrls, clientUrls }));
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
