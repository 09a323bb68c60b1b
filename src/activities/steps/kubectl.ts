// kubectl on the first master with the admin kubeconfig, which never leaves that host.
import type { HostSession } from '../host/session';
import type { PinnedDownload } from '../../inventory/spec';
import { withVerifiedDownload } from '../host/verified-download';
import { APPLIED_DIR, HOST_PATHS } from '../../contracts/remote-files';
import { shq } from '../ssh/shell';

export const KUBECTL = `kubectl --kubeconfig ${HOST_PATHS['admin-conf']}`;

/** A custom-columns output of every node's name and Ready status (parseNodeReady reads it). */
export const NODE_READY_COLUMNS = shq('custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status');

export function firstMaster(s: HostSession): HostSession {
  return s.host.name === s.spec.firstMaster ? s : s.other(s.spec.firstMaster);
}

export function kubectl(s: HostSession, args: string, timeoutMs = 5 * 60_000): Promise<string> {
  return firstMaster(s).sh(`${KUBECTL} ${args}`, { timeoutMs });
}

/**
 * kubectl apply of a file on the first master: a rendered file's path, or a pinned download, which is
 * fetched there and applied only when its sha256 matches (never straight from its URL, so what runs is
 * what was checked). True when it created or changed something.
 *
 * kubectl's own words are not enough: the real kubectl says "configured" whenever it sent a patch, even one
 * the server found empty (a PodDisruptionBudget's selector, replaced as a whole; a container's env order
 * after hakube's own patch), and "serverside-applied" whether or not anything changed. So an object counts
 * when its resourceVersion moved during the apply — and, for a client-side apply, kubectl also said it
 * created or configured it (a controller's status write in the meantime moves a resourceVersion too).
 * The versions are read before the apply only for a content applied here before (APPLIED_DIR): the empty
 * patches come from applying the same file again; a first apply (a fresh install: 1.5–2.5 s of reading
 * per add-on on the critical path) lets kubectl's words decide.
 */
export async function apply(s: HostSession, target: string | PinnedDownload, options: { serverSide?: boolean } = {}): Promise<boolean> {
  const host = firstMaster(s);
  if (typeof target !== 'string') return withVerifiedDownload(host, target, (file) => apply(host, file, options));
  if (/^[a-z]+:\/\//i.test(target)) throw new Error(`${target}: a manifest URL must come pinned (a PinnedDownload), a bug in hakube`);
  const applied = `${APPLIED_DIR}/"$(sha256sum < ${shq(target)} | cut -c1-64)"`;
  const again = options.serverSide || (await host.test(`test -e ${applied}`));
  // Every object of the file that exists, before and after (a kind whose CRD is not there yet fails the
  // whole get: then nothing is known, and the apply counts as a change).
  const read = `${KUBECTL} get -f ${shq(target)} --ignore-not-found --no-headers -o ${shq(`custom-columns=${OBJECT_COLUMNS}`)}`;
  const before = again ? await host.probe(read, { timeoutMs: 5 * 60_000 }) : undefined;
  const out = await host.sh(
    `${KUBECTL} apply ${options.serverSide ? '--server-side --force-conflicts ' : ''}-f ${shq(target)} && mkdir -p ${APPLIED_DIR} && touch ${applied}`,
    { timeoutMs: 5 * 60_000 },
  );
  const said = appliedObjects(out);
  const settled = settledByWords(said, { serverSide: !!options.serverSide, firstApply: !before });
  if (settled !== undefined) return settled;
  // Left unsettled only with a reading before (settledByWords settles every first apply).
  if (!before || before.code !== 0) return true;
  const after = await host.probe(read, { timeoutMs: 5 * 60_000 });
  if (after.code !== 0) return true;
  const moved = changedObjects(objectVersions(before.stdout), objectVersions(after.stdout));
  if (options.serverSide) return moved.length > 0;
  return moved.some((key) => said.configured.has(kindAndName(key)));
}

/**
 * Whether a client-side apply changed something as far as kubectl's words settle it (undefined: only the
 * objects' versions can tell): something "created" is a change; all "unchanged" is none; "configured" is
 * one on a first apply of the content (it differs from what is there, and no versions were read before).
 */
export function settledByWords(
  said: { created: Set<string>; configured: Set<string> },
  apply: { serverSide: boolean; firstApply: boolean },
): boolean | undefined {
  if (apply.serverSide) return undefined;
  if (said.created.size) return true;
  if (!said.configured.size) return false;
  return apply.firstApply ? true : undefined;
}

// kind, namespace (`<none>` for a cluster-wide object), name and resourceVersion of each object
const OBJECT_COLUMNS = 'K:.kind,NS:.metadata.namespace,N:.metadata.name,RV:.metadata.resourceVersion';

/** "kind/name" (kind in lower case) of the objects kubectl apply says it created, and those it configured. */
export function appliedObjects(out: string): { created: Set<string>; configured: Set<string> } {
  const said = { created: new Set<string>(), configured: new Set<string>() };
  for (const m of out.matchAll(/^([\w-]+)(?:\.[\w.-]+)?\/(\S+) (created|configured)$/gm))
    said[m[3] as 'created' | 'configured'].add(`${m[1]!.toLowerCase()}/${m[2]}`);
  return said;
}

/** "kind/name" of an objectVersions key (kind/namespace/name), as appliedObjects writes it. */
export function kindAndName(key: string): string {
  const [kind, , name] = key.split('/');
  return `${kind!.toLowerCase()}/${name}`;
}

/** kind/namespace/name → resourceVersion, from the lines of OBJECT_COLUMNS. */
export function objectVersions(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const [kind, namespace, name, version] = line.split(/\s+/);
    if (!kind || !name) continue;
    out.set(`${kind}/${namespace === '<none>' ? '' : (namespace ?? '')}/${name}`, version ?? '');
  }
  return out;
}

/** The objects created or changed between two readings (a new resourceVersion, or new). */
export function changedObjects(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].filter(([key, version]) => before.get(key) !== version).map(([key]) => key);
}
