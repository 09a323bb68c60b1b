// The state record (host/state-record.ts): written on every host at the end of a full install that
// succeeded, and compared at the start of the next `hakube up`. On the first master it also covers the
// cluster: every host a Ready node, etcd's members and their health, and the add-on objects as the
// install left them (their resourceVersions: any write to one, by anybody, moves it).
import { createHash } from 'node:crypto';
import type { StateVerdict, StepResult } from '../../contracts/activity-request';
import { result, type HostSession } from '../host/session';
import {
  STATE_DIR,
  differingSections,
  hostSections,
  readStateRecord,
  wantedStateKey,
  writeStateRecord,
  type StateRecord,
} from '../host/state-record';
import { withVerifiedDownload } from '../host/verified-download';
import { parseNodeReady } from '../host/facts';
import { shq } from '../ssh/shell';
import { KUBECTL, NODE_READY_COLUMNS } from './kubectl';
import { addonManifests } from './addons';
import { etcdctlFor, etcdSteps } from './etcd';

const digest = (text: string) => createHash('sha256').update(text).digest('hex');
const addonObjectsFile = (s: HostSession) => `${STATE_DIR}/${s.spec.name}-addons.json`;
// apiVersion, kind, namespace (`<none>` when cluster-wide), name: enough for `kubectl get -f` to find it again
const OBJECT_REF_COLUMNS = 'A:.apiVersion,K:.kind,NS:.metadata.namespace,N:.metadata.name';

/** The add-on objects' identities, written as a List on the first master: what clusterSections reads back. */
async function recordAddonObjects(s: HostSession): Promise<void> {
  const refs: string[] = [];
  for (const manifest of addonManifests(s.spec)) {
    const read = (file: string) =>
      s.sh(`${KUBECTL} get -f ${shq(file)} --ignore-not-found --no-headers -o ${shq(`custom-columns=${OBJECT_REF_COLUMNS}`)}`, {
        timeoutMs: 5 * 60_000,
      });
    refs.push(...(await (typeof manifest === 'string' ? read(manifest) : withVerifiedDownload(s, manifest, read))).split('\n'));
  }
  const items = refs
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 4)
    .map(([apiVersion, kind, namespace, name]) => ({ apiVersion, kind, metadata: { name, ...(namespace !== '<none>' && { namespace }) } }));
  const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
  await s.sh(`install -d -m 700 ${STATE_DIR} && printf '%s\\n' ${shq(list)} > ${shq(addonObjectsFile(s))}`);
}

/** The cluster as seen from the first master, one digest per part. */
async function clusterSections(s: HostSession): Promise<Record<string, string>> {
  const endpoints = s.spec.etcd.endpoints.join(',');
  // Independent reads, at once (each is a command on the first master).
  const [nodeLines, members, healthy, objects] = await Promise.all([
    s.sh(`${KUBECTL} get nodes --no-headers -o ${NODE_READY_COLUMNS}`, { timeoutMs: 60_000 }),
    s.probe(`${etcdctlFor(s.spec)} --endpoints=${endpoints} member list -w simple | sort`, { timeoutMs: 30_000 }),
    etcdSteps.etcdHealthy(s).then(
      () => 'healthy',
      (e: unknown) => `unhealthy: ${String(e)}`,
    ),
    s.probe(
      `${KUBECTL} get -f ${shq(addonObjectsFile(s))} --ignore-not-found --no-headers -o ${shq('custom-columns=K:.kind,NS:.metadata.namespace,N:.metadata.name,RV:.metadata.resourceVersion')}`,
      { timeoutMs: 5 * 60_000 },
    ),
  ]);
  const ready = parseNodeReady(nodeLines);
  const nodes = s.spec.hosts.map((h) => `${h.name} ${ready[h.name] ?? 'absent'}`).join('\n');
  return {
    nodes: digest(nodes),
    etcd: digest(`${members.code} ${members.stdout}\n${healthy}`),
    addons: digest(`${objects.code} ${objects.stdout}`),
  };
}

async function sectionsOf(s: HostSession): Promise<Record<string, string>> {
  const [host, cluster] = await Promise.all([hostSections(s), s.host.name === s.spec.firstMaster ? clusterSections(s) : {}]);
  return { ...host, ...cluster };
}

/** After a full install that succeeded: this host's record (and on the first master, the cluster's). */
async function recordState(s: HostSession): Promise<StepResult> {
  if (s.host.name === s.spec.firstMaster) await recordAddonObjects(s);
  const record: StateRecord = {
    wanted: wantedStateKey(s.spec),
    sections: await sectionsOf(s),
    run: s.backupTag,
    at: new Date().toISOString(),
  };
  await writeStateRecord(s, record);
  return result(false);
}

/** Before the phases: does the last full run's record still hold here? Reads only, changes nothing. */
async function checkStateRecord(s: HostSession): Promise<StateVerdict> {
  const record = await readStateRecord(s);
  if (!record) return { changed: false, holds: false, why: 'no record of a full install' };
  const from = { run: record.run, at: record.at };
  if (record.wanted !== wantedStateKey(s.spec))
    return { changed: false, holds: false, why: 'the inventory or hakube changed since the last full install', ...from };
  const differ = differingSections(record.sections, await sectionsOf(s));
  return differ.length
    ? { changed: false, holds: false, why: `${differ.join(', ')} differ from the last full install`, ...from }
    : { changed: false, holds: true, ...from };
}

export const stateRecordSteps = { recordState, checkStateRecord };
