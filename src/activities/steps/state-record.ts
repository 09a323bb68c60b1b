// The state record (host/state-record.ts): written on every host at the end of a full install that
// succeeded, and compared at the start of the next `hakube up`. On the first master it also covers the
// cluster: every host a Ready node, etcd's members and their health, and the add-on objects as the
// install left them (see OBJECT_STATE_COLUMNS).
import { createHash } from 'node:crypto';
import type { StateVerdict, StepResult } from '../../contracts/activity-request';
import { result, type HostSession } from '../host/session';
import {
  STATE_DIR,
  differingSections,
  hostConverged,
  hostSections,
  readStateRecord,
  removeStateRecord,
  wantedStateKey,
  writeStateFile,
  writeStateRecord,
} from '../host/state-record';
import { etcdCertificatesEndingSoon } from '../host/etcd-pki';
import { withVerifiedDownload } from '../host/verified-download';
import { parseNodeReady } from '../host/facts';
import { shq } from '../ssh/shell';
import { KUBECTL, NODE_READY_COLUMNS } from './kubectl';
import { addonManifests } from './addons';
import { etcdctlFor, etcdSteps } from './etcd';

const digest = (text: string) => createHash('sha256').update(text).digest('hex');
const addonObjectsFile = (s: HostSession) => `${STATE_DIR}/${s.spec.name}-addons.json`;
// apiVersion, kind, namespace (empty when cluster-wide), name: enough to list the object again
// and a Job's ttlSecondsAfterFinished: such a Job is deleted by the cluster once done (ingress-nginx's admission
// Jobs: 0), so whether it is there says nothing about drift: it is left out of the record.
const OBJECT_REF_TEMPLATE = 'jsonpath={.apiVersion}|{.kind}|{.metadata.namespace}|{.metadata.name}|{.spec.ttlSecondsAfterFinished}{"\\n"}';

/** The add-on objects' identities, written as a List on the first master: what clusterSections reads back. */
async function recordAddonObjects(s: HostSession): Promise<ObjectRef[]> {
  // Read from the manifest by kubectl itself, without asking the server for each object (`get -f` did, a
  // request per object: seconds for Calico's): a client dry run fills in the namespace of a namespaced
  // object that names none, as the apply did.
  const read = (file: string) =>
    s.sh(`${KUBECTL} create --dry-run=client -f ${shq(file)} -o ${shq(OBJECT_REF_TEMPLATE)}`, { timeoutMs: 5 * 60_000 });
  // Every manifest at once (each is a download and a kubectl on the first master).
  const refs = (
    await Promise.all(
      addonManifests(s.spec).map((manifest) => (typeof manifest === 'string' ? read(manifest) : withVerifiedDownload(s, manifest, read))),
    )
  ).flatMap((out) => out.split('\n'));
  // kubeadm's ClusterConfiguration too: control-plane-refresh uploads it again when it differs.
  refs.push('v1|ConfigMap|kube-system|kubeadm-config|');
  const items = refs
    .map((l) => l.trim().split('|'))
    .filter((f) => f.length === 5 && f[0] && f[1] && f[3] && !(f[1] === 'Job' && f[4]))
    .map(([apiVersion, kind, namespace, name]) => ({ apiVersion, kind, metadata: { name, ...(namespace && { namespace }) } }));
  await writeStateFile(s, addonObjectsFile(s), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  return items;
}

/** The cluster as seen from the first master, one digest per part. */
async function clusterSections(
  s: HostSession,
  recordedRefs?: Promise<ObjectRef[]>,
): Promise<{ sections: Record<string, string>; unconverged: string[] }> {
  const endpoints = s.spec.etcd.endpoints.join(',');
  // Independent reads, at once (each is a command on the first master).
  const [nodeLines, members, healthy, objects] = await Promise.all([
    s.sh(`${KUBECTL} get nodes --no-headers -o ${NODE_READY_COLUMNS}`, { timeoutMs: 60_000 }),
    s.probe(`${etcdctlFor(s.spec)} --endpoints=${endpoints} member list -w simple | sort`, { timeoutMs: 30_000 }),
    etcdSteps.etcdHealthy(s).then(
      () => 'healthy',
      (e: unknown) => `unhealthy: ${String(e)}`,
    ),
    addonObjectStates(s, recordedRefs),
  ]);
  const ready = parseNodeReady(nodeLines);
  const nodes = s.spec.hosts.map((h) => `${h.name} ${ready[h.name] ?? 'absent'}`).join('\n');
  const notReady = s.spec.hosts.filter((h) => ready[h.name] !== 'True').map((h) => h.name);
  return {
    sections: {
      nodes: digest(nodes),
      etcd: digest(`${members.code} ${members.stdout}\n${healthy}`),
      addons: digest(`${objects.code} ${objectStates(objects.stdout)}`),
    },
    unconverged: [
      ...(notReady.length ? [`node(s) not Ready: ${notReady.join(', ')}`] : []),
      ...(healthy === 'healthy' ? [] : ['etcd not healthy']),
      ...(objects.code === 0 ? [] : ['the add-on objects could not be read']),
    ],
  };
}

// Who the object is (uid: a deleted and re-created object is another one) and what it was given: its
// generation where it has one (a spec change moves it, a controller's status write does not), else its
// resourceVersion (ConfigMaps, RBAC: no status, every write is a change).
const OBJECT_STATE_COLUMNS =
  'K:.kind,NS:.metadata.namespace,N:.metadata.name,U:.metadata.uid,G:.metadata.generation,RV:.metadata.resourceVersion';

/** The OBJECT_STATE_COLUMNS lines with generation-or-resourceVersion, sorted: what the addons digest covers. */
export function objectStates(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 6)
    .map(
      ([kind, ns, name, uid, generation, version]) =>
        `${kind} ${ns} ${name} ${uid} ${generation === '<none>' ? `rv ${version}` : `gen ${generation}`}`,
    )
    .sort()
    .join('\n');
}

interface ObjectRef {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

/** kubectl's name for a kind, exact about its group and version: `deployment.v1.apps`, core `configmap`. */
export function typeArgument(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return group ? `${kind.toLowerCase()}.${version}.${group}` : kind.toLowerCase();
}

/**
 * One kubectl per namespace (and one for cluster-wide kinds) listing every kind the add-on objects have
 * there: a request per kind, not per object (`kubectl get -f` on the ~80 objects took ~6 s here).
 */
export function objectListCommands(refs: ObjectRef[]): { command: string; wanted: Set<string> } {
  const byNamespace = new Map<string, Set<string>>();
  const wanted = new Set<string>();
  for (const r of refs) {
    const ns = r.metadata.namespace ?? '';
    if (!byNamespace.has(ns)) byNamespace.set(ns, new Set());
    byNamespace.get(ns)!.add(typeArgument(r.apiVersion, r.kind));
    wanted.add(`${r.kind} ${ns || '<none>'} ${r.metadata.name}`);
  }
  const columns = shq(`custom-columns=${OBJECT_STATE_COLUMNS}`);
  // The lists run at once (each is a kubectl of ~0.4 s; one after the other they took ~1.7 s of every
  // `up`'s state check); every list runs even when one fails, and the command fails then (the objects
  // could not be read). Their order in the output does not matter: objectStates sorts.
  const lists = [...byNamespace].map(
    ([ns, types], i) =>
      `{ ${KUBECTL} get ${[...types].sort().join(',')}${ns ? ` -n ${shq(ns)}` : ''} --no-headers -o ${columns} > "$d/${i}" || touch "$d/failed"; } &`,
  );
  return {
    command: [
      'd=$(mktemp -d) || exit 1; trap \'rm -rf "$d"\' EXIT',
      ...lists,
      'wait',
      'cat "$d"/[0-9]* 2>/dev/null',
      '[ ! -e "$d/failed" ]',
    ].join('\n'),
    wanted,
  };
}

/**
 * The recorded add-on objects' OBJECT_STATE_COLUMNS lines, read a kind at a time; code ≠ 0 when they could
 * not be read. The objects are the record's (`recordedRefs` while it is being written).
 */
async function addonObjectStates(s: HostSession, recordedRefs?: Promise<ObjectRef[]>): Promise<{ code: number | null; stdout: string }> {
  let refs: ObjectRef[];
  if (recordedRefs) refs = await recordedRefs;
  else {
    const file = await s.probe(`cat ${shq(addonObjectsFile(s))}`);
    if (file.code !== 0) return file;
    try {
      refs = (JSON.parse(file.stdout) as { items: ObjectRef[] }).items;
    } catch {
      return { code: 1, stdout: '' };
    }
  }
  const { command, wanted } = objectListCommands(refs);
  const out = await s.probe(command, { timeoutMs: 5 * 60_000 });
  // A list shows every object of its kind: only the recorded ones count (another Deployment is not drift).
  const lines = out.stdout.split('\n').filter((l) => wanted.has(l.trim().split(/\s+/).slice(0, 3).join(' ')));
  return { code: out.code, stdout: lines.join('\n') };
}

/** The host's digests (and on the first master the cluster's), with what keeps it from being converged. */
async function sectionsOf(
  s: HostSession,
  recording?: { refs?: Promise<ObjectRef[]> },
): Promise<{ sections: Record<string, string>; unconverged: string[] }> {
  const first = s.host.name === s.spec.firstMaster;
  const [host, cluster, hostNot] = await Promise.all([
    hostSections(s),
    first ? clusterSections(s, recording?.refs) : { sections: {}, unconverged: [] },
    // Checked when writing only: a record holding later is then a converged state by itself.
    recording ? hostConverged(s) : undefined,
  ]);
  return { sections: { ...host, ...cluster.sections }, unconverged: [...(hostNot ? [hostNot] : []), ...cluster.unconverged] };
}

/**
 * After a full install that succeeded: this host's record (and on the first master, the cluster's) —
 * only of a converged state (every node Ready, etcd healthy, the units running, no reboot pending), so
 * that a record that holds later means the cluster is as wanted. Otherwise the old record goes too.
 */
async function recordState(s: HostSession): Promise<StepResult> {
  // The add-on objects are read from their manifests (a second or two of kubectl on Calico's) while the
  // rest is digested; only their listing waits for them.
  const refs = s.host.name === s.spec.firstMaster ? recordAddonObjects(s) : undefined;
  // Settled with the sections: a failure to record them fails the step, not an unhandled rejection.
  const [{ sections, unconverged }] = await Promise.all([sectionsOf(s, { ...(refs && { refs }) }), refs]);
  if (unconverged.length) {
    await removeStateRecord(s);
    return result(false, [`state record not written on ${s.host.name} (${unconverged.join('; ')}): the next \`up\` runs every step`]);
  }
  await writeStateRecord(s, { wanted: wantedStateKey(s.spec), sections, run: s.backupTag, at: new Date().toISOString() });
  return result(false);
}

/** Time passes too: etcd certificates the etcd phase would issue again (near their end). */
async function dueWithTime(s: HostSession): Promise<string | undefined> {
  if (s.host.role !== 'master' || !s.spec.etcd.tls) return undefined;
  const due = await etcdCertificatesEndingSoon(s);
  return due.length ? `etcd certificates due for renewal (${due.join(', ')})` : undefined;
}

/** Before the phases: does the last full run's record still hold here? Reads only, changes nothing. */
async function checkStateRecord(s: HostSession): Promise<StateVerdict> {
  const record = await readStateRecord(s);
  if (!record) return { changed: false, holds: false, why: 'no record of a full install' };
  const from = { run: record.run, at: record.at };
  if (record.wanted !== wantedStateKey(s.spec))
    return { changed: false, holds: false, why: 'the inventory or hakube changed since the last full install', ...from };
  const [{ sections }, due] = await Promise.all([sectionsOf(s), dueWithTime(s)]);
  const differ = differingSections(record.sections, sections);
  if (differ.length) return { changed: false, holds: false, why: `${differ.join(', ')} differ from the last full install`, ...from };
  return due ? { changed: false, holds: false, why: due, ...from } : { changed: false, holds: true, ...from };
}

export const stateRecordSteps = { recordState, checkStateRecord };
