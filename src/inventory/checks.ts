// Checks that span several fields, which a schema cannot express. Each returns every problem
// it finds (not just the first), so the user fixes the file in one go.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClusterInput } from './schema';
import type { Problem } from './problems';
import { cidrRange, contains, overlaps } from './cidr';
import { pinProblems } from './pins';

export function crossFieldProblems(input: ClusterInput): Problem[] {
  return [
    ...duplicateHosts(input),
    ...etcdMembers(input),
    ...etcdImageArchive(input),
    ...networkOverlaps(input),
    ...unsupportedChoices(input),
    ...pinProblems(input),
  ];
}

function duplicateHosts(input: ClusterInput): Problem[] {
  const problems: Problem[] = [];
  for (const key of ['name', 'address'] as const) {
    const firstIndex = new Map<string, number>();
    input.hosts.forEach((host, i) => {
      const seen = firstIndex.get(host[key]);
      if (seen === undefined) firstIndex.set(host[key], i);
      else
        problems.push({
          field: `hosts[${i}].${key}`,
          value: host[key],
          message: `duplicate: hosts[${seen}] already has this ${key}; every host needs its own`,
        });
    });
  }
  return problems;
}

function etcdMembers(input: ClusterInput): Problem[] {
  const masters = input.hosts.filter((h) => h.role === 'master').length;
  if (masters === 0)
    return [{ field: 'hosts', message: 'no host has role: master; etcd and the control plane need 1 or 3 (or 5) masters' }];
  if (masters % 2 === 0)
    return [
      {
        field: 'hosts',
        value: `${masters} masters`,
        message: `etcd runs on every master and needs an odd number of members for quorum (${masters} tolerates no more failures than ${masters - 1}); use ${masters - 1} or ${masters + 1} masters`,
      },
    ];
  return [];
}

function etcdImageArchive(input: ClusterInput): Problem[] {
  const { imageArchiveUrl, imageArchiveSha256 } = input.etcd;
  if (imageArchiveUrl && !imageArchiveSha256)
    return [
      {
        field: 'etcd.imageArchiveSha256',
        message: `required with etcd.imageArchiveUrl: the archive is loaded into docker as root only when its sha256 matches (sha256sum of the file)`,
      },
    ];
  if (imageArchiveSha256 && !imageArchiveUrl)
    return [{ field: 'etcd.imageArchiveUrl', message: 'missing: etcd.imageArchiveSha256 is given but no archive URL to check it against' }];
  return [];
}

function networkOverlaps(input: ClusterInput): Problem[] {
  const problems: Problem[] = [];
  const { podSubnet, serviceSubnet, hostSubnets } = input.network;
  const pod = cidrRange(podSubnet);
  const svc = cidrRange(serviceSubnet);
  // kubeadm's controller-manager gives every node a /24 out of the pod subnet.
  const podPrefix = Number(podSubnet.split('/')[1]);
  if (podPrefix > 24 || 2 ** (24 - podPrefix) < input.hosts.length)
    problems.push({
      field: 'network.podSubnet',
      value: podSubnet,
      message: `too small: every node gets a /24 of it, so ${input.hosts.length} hosts need at least a /${24 - Math.ceil(Math.log2(input.hosts.length))}; use e.g. 192.168.0.0/16`,
    });
  if (overlaps(pod, svc))
    problems.push({
      field: 'network.serviceSubnet',
      value: serviceSubnet,
      message: `overlaps network.podSubnet ${podSubnet}; pick disjoint ranges`,
    });
  hostSubnets.forEach((cidr, i) => {
    for (const [name, range, text] of [
      ['podSubnet', pod, podSubnet],
      ['serviceSubnet', svc, serviceSubnet],
    ] as const)
      if (overlaps(cidrRange(cidr), range))
        problems.push({
          field: `network.hostSubnets[${i}]`,
          value: cidr,
          message: `overlaps network.${name} ${text}: pods or services would shadow the hosts; change network.${name}`,
        });
  });
  input.hosts.forEach((host, i) => {
    for (const [name, range, text] of [
      ['podSubnet', pod, podSubnet],
      ['serviceSubnet', svc, serviceSubnet],
    ] as const)
      if (contains(range, host.address))
        problems.push({
          field: `hosts[${i}].address`,
          value: host.address,
          message: `lies inside network.${name} ${text}: the host network would overlap the ${name === 'podSubnet' ? 'pod' : 'service'} network; change network.${name}`,
        });
  });
  return problems;
}

function unsupportedChoices(input: ClusterInput): Problem[] {
  const problems: Problem[] = [];
  if (input.cni.plugin === 'flannel' && input.cni.install === 'operator')
    problems.push({
      field: 'cni.install',
      value: 'operator',
      message: "the operator install is Calico's (the Tigera operator); flannel is installed by its manifest: leave cni.install out",
    });
  if (input.packages.containerd === 'tarball')
    for (const field of ['containerdTarballUrl', 'runcUrl'] as const)
      if (!input.packages[field])
        problems.push({
          field: `packages.${field}`,
          value: undefined,
          message: `packages.containerd: tarball installs containerd from its release tarball and runc from its release binary: set packages.${field} (and its sha256) to where your mirror serves it`,
        });
  return problems;
}

// knownHostsFile. hakube records host keys in it on first contact (activities/ssh/known-hosts.ts), and
// inventories get shared and copied: a path in one must not let hakube damage the machine it runs on. So
// the file must be a known_hosts file (every line that is not blank or a comment parses as an entry) or
// not exist yet, and lie outside the system directories once symlinks are resolved. Checked when the
// inventory is loaded (normalize, where the path is resolved), by the worker (request-check), and at
// every read and write of the file.

/** knownHostsFile names a file hakube must not read or rewrite (see knownHostsFileProblem). */
export class KnownHostsFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`knownHostsFile ${file} ${problem}`);
    this.name = 'KnownHostsFileError';
  }
}

/**
 * Where a known_hosts file may never be, after symlinks are resolved: the system's own configuration,
 * programs and kernel interfaces, which a rewrite (another mode, another owner, a line appended) could
 * damage. /var and /opt are not among them: checkouts, service accounts' homes and data live there
 * (a lab checkout in /var/tmp was refused when they were); the content check below, and a rewrite that
 * keeps the file's mode and owner, protect what is there.
 */
export const SYSTEM_DIRECTORIES = [
  '/etc',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/boot',
  '/proc',
  '/sys',
  '/dev',
  '/run',
];

/** A known_hosts file larger than this is not one (50,000 hosts with three keys each is about 40 MiB). */
const MAX_KNOWN_HOSTS_BYTES = 64 << 20;

/** Key types as OpenSSH writes them: ssh-ed25519, ecdsa-sha2-nistp256, sk-ssh-ed25519@openssh.com, *-cert-v01@openssh.com. */
const KEY_TYPE = /^(ssh|ecdsa|sk)-[a-z0-9.@-]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface KnownHostsEntry {
  marker: '' | '@revoked' | '@cert-authority';
  /** Host patterns (a plain list or `|1|salt|hash`). */
  hosts: string;
  type: string;
  /** The public key blob, base64. */
  key: string;
}

/** One line of a known_hosts file: nothing (blank, comment), an entry, or what is wrong with it. */
function parseLine(raw: string): KnownHostsEntry | string | undefined {
  const words = raw.trim().split(/\s+/);
  if (!words[0] || words[0].startsWith('#')) return undefined;
  const marker = words[0].startsWith('@') ? words.shift()! : '';
  if (marker !== '' && marker !== '@revoked' && marker !== '@cert-authority')
    return 'starts with an unknown marker (OpenSSH knows only @revoked and @cert-authority)';
  if (words.length < 3)
    return `has ${words.length + (marker ? 1 : 0)} field(s), where an entry is [@marker] host-patterns key-type base64-key [comment]`;
  const [hosts, type, key] = words;
  if (!KEY_TYPE.test(type)) return 'has no SSH key type (such as ssh-ed25519) in its key-type field';
  if (!BASE64.test(key)) return 'has a key that is not base64';
  const blob = Buffer.from(key, 'base64');
  if (blob.length < 4 || 4 + blob.readUInt32BE(0) > blob.length || blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1') !== type)
    return `has a key that is not a public key of type ${type}`;
  return { marker, hosts, type, key };
}

/**
 * The path a file name leads to: symlinks of the file (dangling ones too) and of its existing parents
 * resolved, the part that does not exist yet kept as written.
 */
export function realTarget(file: string, depth = 0): string {
  const abs = path.resolve(file);
  try {
    return fs.realpathSync(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (depth > 40) throw new Error('has too many levels of symbolic links');
  if (fs.lstatSync(abs, { throwIfNoEntry: false })?.isSymbolicLink())
    return realTarget(path.resolve(path.dirname(abs), fs.readlinkSync(abs)), depth + 1);
  const parent = path.dirname(abs);
  return parent === abs ? abs : path.join(realTarget(parent, depth), path.basename(abs));
}

const inside = (file: string, dir: string) => file === dir || file.startsWith(`${dir}/`);

/** The system directory a resolved path lies in, if any. */
function systemDirectoryOf(real: string): string | undefined {
  return SYSTEM_DIRECTORIES.find((d) => inside(real, d));
}

export interface KnownHostsContent {
  /** The file's resolved path: the one read and rewritten (a symlinked known_hosts stays a symlink). */
  real: string;
  /** Undefined when the file does not exist yet. */
  stat?: fs.Stats;
  text: string;
  entries: KnownHostsEntry[];
}

/**
 * Reads a known_hosts file, refusing (KnownHostsFileError) one in a system directory, one that is not a
 * regular file, and one with a line that is not a known_hosts entry. A file that does not exist is empty.
 */
export function readKnownHostsFile(file: string): KnownHostsContent {
  const refuse = (problem: string): never => {
    throw new KnownHostsFileError(file, problem);
  };
  if (!path.isAbsolute(file)) refuse('is not an absolute path');
  let real = file;
  try {
    real = realTarget(file);
  } catch (err) {
    refuse(`cannot be resolved: ${(err as Error).message}`);
  }
  const shown = real === file ? '' : ` (${real})`;
  const system = systemDirectoryOf(real);
  if (system)
    refuse(
      `is inside ${system}${shown}: hakube records host keys in this file, so it may not be in a system directory ` +
        `(${SYSTEM_DIRECTORIES.join(' ')}); use a file of your own such as ~/.hakube/known_hosts (the default) or ~/.ssh/known_hosts`,
    );
  let fd: number;
  try {
    fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { real, text: '', entries: [] };
    return refuse(`cannot be read${shown}: ${(err as Error).message}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) refuse(`is ${describeFileType(stat)}${shown}, not a file: name a known_hosts file or one that does not exist yet`);
    if (stat.size > MAX_KNOWN_HOSTS_BYTES) refuse(`is ${stat.size} bytes${shown}: not a known_hosts file`);
    const text = fs.readFileSync(fd, 'utf8');
    const entries: KnownHostsEntry[] = [];
    for (const [i, raw] of text.split('\n').entries()) {
      const parsed = parseLine(raw);
      if (typeof parsed === 'string')
        return refuse(
          `is not a known_hosts file${shown}: line ${i + 1} ${parsed}. ` +
            `Name a known_hosts file (OpenSSH format) or one that does not exist yet (hakube creates it)`,
        );
      if (parsed) entries.push(parsed);
    }
    return { real, stat, text, entries };
  } finally {
    fs.closeSync(fd);
  }
}

function describeFileType(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** What is wrong with knownHostsFile (an absolute path), or undefined when hakube may use it. */
export function knownHostsFileProblem(file: string): string | undefined {
  try {
    readKnownHostsFile(file);
    return undefined;
  } catch (err) {
    if (err instanceof KnownHostsFileError) return err.problem;
    throw err;
  }
}

/**
 * knownHostsFile, resolved (normalize gives the path): hakube rewrites it on first contact with a host, so
 * it must be a known_hosts file or not exist yet, and lie outside the system directories (symlinks
 * resolved). Checked on the machine that reads the inventory, before any host is touched, and again by
 * the worker (request-check) and at every read and write (known-hosts.ts).
 */
export function knownHostsFileProblems(written: string, resolved: string): Problem[] {
  const problem = knownHostsFileProblem(resolved);
  if (!problem) return [];
  return [{ field: 'knownHostsFile', value: written, message: `${written === resolved ? '' : `${resolved} `}${problem}` }];
}
