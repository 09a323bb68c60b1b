// What a full install left on a host, recorded so that the next `hakube up` can tell in one round trip
// per host that nothing has moved since (k0sctl gathers facts once and skips what needs no change; this
// is the same idea for the whole host). The record holds digests only: every file, key and certificate
// is hashed on the host and only the section digests leave it, so no secret travels or is stored.
//
// The record is only as good as what it covers, so it covers everything the install's steps converge:
// the files under the directories hakube writes (contents, modes, owners, symlink targets), the
// packages hakube installs and their holds, the units' active/enabled states, the kernel settings, hakube's own
// markers (an apply owed after a crash, an API server manifest moved aside) and a pending reboot. Any
// difference, or a different inventory or hakube version, makes `up` run every step as before.
import { createHash } from 'node:crypto';
import { hashTree, sourcesHash } from '../../sources-digest';
import { TEMPLATES_DIR } from '../../render/environment';
import type { ClusterSpec } from '../../inventory/spec';
import { etcdDataDir } from '../../contracts/remote-files';
import { shq } from '../ssh/shell';
import type { HostSession } from './session';

export const STATE_DIR = '/var/lib/hakube/state';
export const stateRecordPath = (cluster: string) => `${STATE_DIR}/${cluster}.json`;

/** Everything hakube writes on a host lives under these (rendered files, kubeadm's, etcd's, apt's, units). */
const WATCHED_PATHS = [
  '/etc/kubernetes',
  '/etc/etcd',
  '/etc/haproxy',
  '/etc/containerd',
  '/etc/hakube',
  '/etc/default/kubelet',
  '/etc/apt/sources.list.d',
  '/etc/apt/keyrings',
  '/etc/apt/preferences.d',
  '/etc/modules-load.d',
  '/etc/sysctl.d',
  '/etc/systemd/system',
  '/etc/fstab',
  // hakube's markers: an apply owed after a crash, a manifest moved aside by the HA check or a restore.
  '/var/lib/hakube/apply-owed',
  '/var/lib/hakube/ha-check',
  '/var/lib/hakube/ha-check-passed',
  '/var/lib/hakube/restore',
  '/var/lib/hakube/kubeadm-init.done',
  '/var/lib/hakube/kubeadm-join.done',
  '/var/lib/hakube/cluster-identity',
];
const UNITS = ['containerd', 'docker', 'kubelet', 'etcd', 'haproxy'];
/**
 * The packages the steps install (and the ones the Kubernetes packages pull in): their versions and
 * dpkg states, the hold included ("hi"). Only these: a tool the operator installs beside them (helm, an
 * editor) is not drift of the cluster. A step that installs a new package adds it here.
 */
const PACKAGES = [
  ...['curl', 'ca-certificates', 'gpg', 'openssl'],
  ...['containerd', 'containerd.io', 'runc', 'kubelet', 'kubeadm', 'kubectl', 'kubernetes-cni', 'cri-tools'],
  ...['etcd-server', 'etcd-client', 'etcd', 'docker.io', 'docker-compose', 'haproxy', 'linux-image-amd64'],
];

/** What the host digest command covers beyond its fixed lists. */
export interface HostStateScope {
  /** Prefix of every watched path (tests run the command on a directory of their own). */
  root?: string;
  /** Packages the inventory names (etcd.package) besides hakube's own list. */
  packages?: string[];
  /** Container images the install loaded (etcd.image with an image archive): their ids. */
  images?: string[];
  /** Directories whose mode and owner count but not their contents (etcd's data directory). */
  dirs?: string[];
}

/**
 * One digest per section, a line each ("files <sha256>"): which section differs is what the operator is
 * told. Runs as root on the host; sorted in the C locale so the same state always gives the same digest.
 */
export const hostStateCommand = ({ root = '', packages = [], images = [], dirs = [] }: HostStateScope = {}) =>
  [
    'export LC_ALL=C',
    `paths=$(for p in ${WATCHED_PATHS.map((p) => root + p).join(' ')}; do [ -e "$p" ] && echo "$p"; done)`,
    // Nothing there at all (a blank host): an empty listing, never find's default of the current directory.
    '[ -n "$paths" ] || paths=/nonexistent',
    'section() { printf "%s %s\\n" "$1" "$(sha256sum | cut -c1-64)"; }',
    // Names, modes, owners and link targets, then every regular file's content.
    `{ find $paths -xdev -printf '%p %y %m %U %G %l\\n' 2>/dev/null | sort; find $paths -xdev -type f -print0 2>/dev/null | sort -z | xargs -0r sha256sum; ` +
      `stat -c '%n %a %U %G' ${dirs.map((d) => shq(root + d)).join(' ') || '/nonexistent'} 2>/dev/null; true; } | section files`,
    `dpkg-query -W -f '\${Package} \${Version} \${db:Status-Abbrev}\\n' ${[...new Set([...PACKAGES, ...packages])].map(shq).join(' ')} 2>/dev/null | sort | section packages`,
    `for u in ${UNITS.join(' ')}; do echo "$u $(systemctl is-active $u 2>/dev/null) $(systemctl is-enabled $u 2>/dev/null)"; done | section units`,
    // etcd in docker compose: the container's state (absent elsewhere, the same empty line each time).
    `{ command -v docker >/dev/null && { docker inspect -f '{{.State.Status}} {{.Image}}' etcd; ${images.map((i) => `docker image inspect -f '{{.Id}}' ${shq(i)};`).join(' ')} } 2>/dev/null; true; } | section containers`,
    '{ uname -r; cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/bridge/bridge-nf-call-iptables /proc/sys/net/bridge/bridge-nf-call-ip6tables 2>/dev/null; ' +
      "tail -n +2 /proc/swaps | cut -d' ' -f1; grep -oE '^(overlay|br_netfilter) ' /proc/modules | sort; } | section kernel",
    '{ [ -e /run/reboot-required ] && echo reboot-required; true; } | section reboot',
  ].join('\n');

/** "files <sha>" lines → section → digest. */
export function parseSections(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^([a-z]+) ([0-9a-f]{64})$/gm)) out[m[1]!] = m[2]!;
  return out;
}

/** The sections whose digests differ (or exist on one side only), in a stable order. */
export function differingSections(recorded: Record<string, string>, now: Record<string, string>): string[] {
  return [...new Set([...Object.keys(recorded), ...Object.keys(now)])].filter((k) => recorded[k] !== now[k]).sort();
}

let hakubeVersion: string | undefined;
/** hakube's steps and templates as they are: a record left by other code (a newer or older hakube) never holds. */
function hakubeVersionHash(): string {
  return (hakubeVersion ??= hashTree(createHash('sha256').update(sourcesHash()), TEMPLATES_DIR).digest('hex'));
}

/** What the install was asked for: the whole inventory as hakube read it, and hakube's own version. */
export function wantedStateKey(spec: ClusterSpec): string {
  return createHash('sha256').update(hakubeVersionHash()).update(JSON.stringify(spec)).digest('hex');
}

export interface StateRecord {
  /** wantedStateKey of the run that wrote it. */
  wanted: string;
  /** Section digests (host sections; on the first master also the cluster's). */
  sections: Record<string, string>;
  /** The run that wrote it (its tag) and when, for the operator's message. */
  run: string;
  at: string;
}

export async function readStateRecord(s: HostSession): Promise<StateRecord | undefined> {
  const read = await s.probe(`cat ${shq(stateRecordPath(s.spec.name))}`);
  if (read.code !== 0) return undefined;
  try {
    const record = JSON.parse(read.stdout) as StateRecord;
    return typeof record.wanted === 'string' && record.sections && typeof record.run === 'string' ? record : undefined;
  } catch {
    return undefined; // a damaged record holds nothing: the full run writes a new one
  }
}

/** A file under STATE_DIR, whole or not at all (a reader never sees half of it); root only, like every hakube state file. */
export async function writeStateFile(s: HostSession, file: string, text: string): Promise<void> {
  await s.sh(
    `install -d -m 700 ${STATE_DIR} && printf '%s\\n' ${shq(text)} > ${shq(`${file}.tmp`)} && mv ${shq(`${file}.tmp`)} ${shq(file)}`,
  );
}

export async function writeStateRecord(s: HostSession, record: StateRecord): Promise<void> {
  await writeStateFile(s, stateRecordPath(s.spec.name), JSON.stringify(record));
}

export async function removeStateRecord(s: HostSession): Promise<void> {
  await s.sh(`rm -f ${shq(stateRecordPath(s.spec.name))}`);
}

/** What this host's record covers beyond the fixed lists, from the inventory. */
export function scopeOf(s: HostSession): HostStateScope {
  const { etcd } = s.spec;
  if (s.host.role !== 'master') return {};
  return {
    packages: etcd.package ? [etcd.package] : [],
    images: etcd.mode === 'docker-compose' && etcd.imageArchiveUrl ? [etcd.image] : [],
    dirs: [etcdDataDir(s.spec.name)],
  };
}

export async function hostSections(s: HostSession): Promise<Record<string, string>> {
  return parseSections(await s.sh(hostStateCommand(scopeOf(s)), { timeoutMs: 2 * 60_000 }));
}

/** The units a converged host runs, and no reboot pending: a record is written only in that state. */
export async function hostConverged(s: HostSession): Promise<string | undefined> {
  const units = ['containerd', 'kubelet', ...(s.host.role === 'worker' ? ['haproxy'] : s.spec.etcd.mode === 'systemd' ? ['etcd'] : [])];
  const r = await s.probe(
    `for u in ${units.join(' ')}; do systemctl is-active --quiet $u || echo "$u is not active"; done; [ -e /run/reboot-required ] && echo 'a reboot is pending'; true`,
  );
  return r.stdout.trim().split('\n').filter(Boolean).join(', ') || undefined;
}
