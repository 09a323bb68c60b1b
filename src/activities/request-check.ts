// The worker does not trust what an activity receives. The spec was validated by the CLI that started
// the run, but it reaches the worker through Temporal (history, an update, anyone with write access to
// the namespace or the key file): before a step or a compensation touches a host, the inventory fields
// of the spec are run again through the schema and cross-field checks the CLI uses, re-normalized, and
// every derived field compared. A verdict is cached per spec content, so a run's hundreds of steps
// check it once.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { clusterInputSchema } from '../inventory/schema';
import { crossFieldProblems } from '../inventory/checks';
import { normalize } from '../inventory/normalize';
import { fieldPath, formatProblem, InventoryError, valueAt, type Problem } from '../inventory/problems';
import type { ClusterSpec } from '../inventory/spec';
import { isBatchSize, MAX_DRAIN_TIMEOUT_SECONDS } from '../contracts/activity-request';

/** A backup tag names a directory under /var/lib/hakube/backups: one plain name, never "." or "..". */
export const BACKUP_TAG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const verdicts = new Map<string, Problem | null>();
const MAX_VERDICTS = 256;

/** Throws a non-retryable InvalidSpec failure naming the field when the request is not one hakube could have made. */
export function checkRequest(req: { spec: ClusterSpec; host: string; backupTag: string; options?: unknown }): void {
  const problem = specProblem(req.spec) ?? hostProblem(req) ?? optionsProblem(req.spec, req.options);
  if (problem)
    throw ApplicationFailure.nonRetryable(
      `the worker refuses this request: ${formatProblem(problem)} (it does not pass the checks \`hakube up\` runs on the inventory: altered on its way?)`,
      'InvalidSpec',
    );
}

function hostProblem(req: { spec: ClusterSpec; host: string; backupTag: string }): Problem | undefined {
  if (!req.spec.hosts.some((h) => h.name === req.host)) return { field: 'host', value: req.host, message: 'is not a host of this cluster' };
  if (typeof req.backupTag !== 'string' || !BACKUP_TAG.test(req.backupTag))
    return { field: 'backupTag', value: req.backupTag, message: 'must be letters, digits, ".", "_" or "-", not starting with a dot' };
  return undefined;
}

/** The operator's choices, as the CLI can send them: known keys, booleans, a bounded integer, hosts of the cluster. */
function optionsProblem(spec: ClusterSpec, options: unknown): Problem | undefined {
  if (options === undefined) return undefined;
  if (!options || typeof options !== 'object' || Array.isArray(options)) return { field: 'options', message: 'must be an object' };
  for (const [key, value] of Object.entries(options)) {
    const field = `options.${key}`;
    if (['wipeEtcd', 'purge', 'force', 'unreachable', 'approveRenewal', 'approveBatches'].includes(key)) {
      if (typeof value !== 'boolean') return { field, value, message: 'must be true or false' };
    } else if (key === 'drainTimeoutSeconds') {
      if (!Number.isInteger(value) || (value as number) < 10 || (value as number) > MAX_DRAIN_TIMEOUT_SECONDS)
        return { field, value, message: `must be whole seconds from 10 to ${MAX_DRAIN_TIMEOUT_SECONDS}` };
    } else if (key === 'removing') {
      if (!Array.isArray(value) || !value.every((h) => typeof h === 'string' && spec.hosts.some((x) => x.name === h)))
        return { field, value, message: 'must list hosts of this cluster' };
      if (value.includes(spec.firstMaster)) return { field, value, message: 'cannot include the first master' };
    } else if (key === 'backupDir' || key === 'snapshotFile') {
      // A path on the worker's machine: absolute, printable, no "..": the worker writes or reads only there.
      if (typeof value !== 'string' || !value.startsWith('/') || !/^[\x20-\x7e]+$/.test(value) || value.split('/').includes('..'))
        return { field, value, message: 'must be an absolute path without ".." (on the machine of the hakube worker)' };
      if (key === 'snapshotFile' && !value.endsWith('.db')) return { field, value, message: 'must be an etcd snapshot file (.db)' };
    } else if (key === 'keep') {
      if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 1000)
        return { field, value, message: 'must be a whole number from 1 to 1000' };
    } else if (key === 'renewWithinDays') {
      if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 3650)
        return { field, value, message: 'must be whole days from 1 to 3650' };
    } else if (key === 'upgradeBatch') {
      if (!isBatchSize(value)) return { field, value, message: 'must be a number of workers ("3") or a share of them ("20%")' };
    } else if (key === 'snapshotSha256') {
      if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) return { field, value, message: 'must be a sha256 in hex' };
    } else return { field, value, message: 'is not an option hakube sends' };
  }
  return undefined;
}

export function specProblem(spec: unknown): Problem | undefined {
  let json: string;
  try {
    json = JSON.stringify(spec);
  } catch {
    return { field: 'spec', message: 'is not plain data' };
  }
  const key = createHash('sha256').update(json).digest('hex');
  let verdict = verdicts.get(key);
  if (verdict === undefined) {
    verdict = check(JSON.parse(json) as unknown) ?? null;
    if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
    verdicts.set(key, verdict);
  }
  return verdict ?? undefined;
}

function check(spec: unknown): Problem | undefined {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return { field: 'spec', message: 'must be an object' };
  let input: unknown;
  try {
    input = inputOf(spec as ClusterSpec);
  } catch (err) {
    return {
      field: 'spec',
      message: `has not the shape of a cluster spec this worker knows (${(err as Error).message}); a run started by an earlier hakube is finished or aborted with that version's worker`,
    };
  }
  const parsed = clusterInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    return {
      field: specField(fieldPath(path)),
      value: valueAt(input, path),
      message: issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message,
    };
  }
  const cross = crossFieldProblems(parsed.data)[0];
  if (cross) return { ...cross, field: specField(cross.field) };
  // Key paths are absolute in a spec already: the base directory plays no part. normalize refuses a
  // knownHostsFile this worker may not read or rewrite (a system file, not a known_hosts file).
  let normalized: ClusterSpec;
  try {
    normalized = normalize(parsed.data, '/');
  } catch (err) {
    if (!(err instanceof InventoryError) || !err.problems[0]) throw err;
    return { ...err.problems[0], field: specField(err.problems[0].field) };
  }
  const expected = JSON.parse(JSON.stringify(normalized)) as Record<string, unknown>;
  // A spec recorded by a hakube older than a section (a run resumed by this worker) means its defaults.
  for (const section of OPTIONAL_SECTIONS) if ((spec as Partial<ClusterSpec>)[section] === undefined) delete expected[section];
  return difference(spec, expected, '');
}

/** ClusterSpec sections added after the first release (optional in the type, absent in older histories). */
const OPTIONAL_SECTIONS = ['kubeadm', 'kubelet', 'kubeProxy', 'containerd'] as const;

/** The cluster.yaml fields a spec was normalized from (defaults written out), to be validated again. */
function inputOf(spec: ClusterSpec) {
  const e = spec.etcd;
  const p = spec.packages;
  return {
    name: spec.name,
    kubernetesVersion: spec.kubernetes.version,
    knownHostsFile: spec.hosts[0]?.ssh.knownHostsFile,
    hosts: spec.hosts.map((h) => ({
      name: h.name,
      address: h.address,
      role: h.role,
      interface: h.interface,
      ssh: {
        user: h.ssh.user,
        port: h.ssh.port,
        keyPath: h.ssh.keyPath,
        sudo: h.ssh.sudo,
        strictHostKeyChecking: h.ssh.strictHostKeyChecking,
      },
    })),
    network: { podSubnet: spec.network.podSubnet, serviceSubnet: spec.network.serviceSubnet, hostSubnets: spec.network.hostSubnets },
    controlPlaneEndpoint: spec.controlPlaneEndpoint.value,
    etcd: {
      mode: e.mode,
      tls: e.tls,
      clusterToken: e.clusterToken,
      binary: e.binary,
      package: e.package,
      image: e.image,
      imageArchiveUrl: e.imageArchiveUrl,
      imageArchiveSha256: e.imageArchiveSha256,
    },
    packages: {
      kubernetesRepo: p.kubernetesRepo,
      kubernetesRepoKey: p.kubernetesRepoKey.url,
      kubernetesRepoKeyFingerprint: p.kubernetesRepoKey.fingerprint,
      kubernetesRepoSuite: p.kubernetesRepoSuite,
      kubernetesPackageVersion: p.kubernetesPackageVersion,
      containerd: p.containerd,
      dockerRepo: p.dockerRepo,
      dockerRepoKey: p.dockerRepoKey.url,
      dockerRepoKeyFingerprint: p.dockerRepoKey.fingerprint,
      containerdTarballUrl: p.containerdTarballUrl,
      containerdTarballSha256: p.containerdTarball?.sha256,
      runcUrl: p.runc?.url,
      runcSha256: p.runc?.sha256,
      debianMirror: p.debianMirror,
      debianRelease: p.debianRelease,
    },
    kernel: spec.kernel,
    // Downloads written out with their pins (a URL given with its pin is what any override looks like).
    cni: {
      plugin: spec.cni.plugin,
      install: spec.cni.install,
      manifestUrl: spec.cni.manifest.url,
      manifestSha256: spec.cni.manifest.sha256,
      operatorCrdsUrl: spec.cni.operatorCrds.url,
      operatorCrdsSha256: spec.cni.operatorCrds.sha256,
      operatorUrl: spec.cni.operator.url,
      operatorSha256: spec.cni.operator.sha256,
    },
    ingress: {
      controller: spec.ingress.controller,
      // "" is what normalize gives for no controller; the schema wants a URL or nothing.
      manifestUrl: spec.ingress.manifest.url || undefined,
      manifestSha256: spec.ingress.manifest.sha256 || undefined,
      httpNodePort: spec.ingress.httpNodePort,
      httpsNodePort: spec.ingress.httpsNodePort,
    },
    dashboard: {
      kind: spec.dashboard.kind,
      manifestUrl: spec.dashboard.manifest.url || undefined,
      manifestSha256: spec.dashboard.manifest.sha256 || undefined,
      nodePort: spec.dashboard.nodePort,
    },
    verify: spec.verify,
    // Sections added after the first release: a spec recorded before them has none (see OPTIONAL_SECTIONS).
    kubeadm: spec.kubeadm,
    kubelet: spec.kubelet,
    kubeProxy: spec.kubeProxy,
    containerd: spec.containerd,
  };
}

/** Input paths are mostly the spec's own; the few fields that moved when normalized are named as in the spec. */
function specField(inputField: string): string {
  const moved: [string, string][] = [
    ['knownHostsFile', 'hosts[].ssh.knownHostsFile'],
    ['kubernetesVersion', 'kubernetes.version'],
    ['controlPlaneEndpoint', 'controlPlaneEndpoint.value'],
  ];
  const hit = moved.find(([from]) => inputField === from || inputField.startsWith(`${from}.`));
  return `spec.${hit ? hit[1] + inputField.slice(hit[0].length) : inputField}`;
}

/** The first place where the received spec differs from the one its own inventory fields give. */
function difference(got: unknown, want: unknown, at: string): Problem | undefined {
  const field = `spec${at}`;
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return { field, value: got, message: `should be ${short(want)}` };
    for (let i = 0; i < want.length; i++) {
      const d = difference(got[i], want[i], `${at}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (want && typeof want === 'object') {
    if (!got || typeof got !== 'object' || Array.isArray(got)) return { field, value: got, message: 'should be an object' };
    const g = got as Record<string, unknown>;
    const w = want as Record<string, unknown>;
    const unknown = Object.keys(g).find((k) => !(k in w));
    if (unknown) return { field: `${field}.${unknown}`, value: g[unknown], message: 'unknown field' };
    for (const k of Object.keys(w)) {
      const d = difference(g[k], w[k], `${at}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return got === want ? undefined : { field, value: got, message: `does not follow from the inventory's fields (expected ${short(want)})` };
}

const short = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
};
