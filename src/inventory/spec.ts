// ClusterSpec: the validated inventory with every default and derived value filled in, so the
// renderer, the plan and the workflows never re-derive anything. It is plain data (no
// functions, no secrets: key *paths* only) because it travels into workflow history.
import type { ClusterInput } from './schema';

/** The port every API server binds (kubeadm's default) and haproxy serves on the workers' loopback. */
export const API_SERVER_PORT = 6443;

export interface HostConnection {
  /** Address ssh connects to. */
  address: string;
  port: number;
  user: string;
  /** Absolute path of the private key on the machine running the hakube worker. */
  keyPath: string;
  sudo: boolean;
  knownHostsFile: string;
  /** Refuse hosts whose key is not in knownHostsFile yet (keys seeded in advance). */
  strictHostKeyChecking?: boolean;
}

/**
 * A file the hosts download and use (an add-on manifest): applied only when its sha256 matches, or
 * unchecked when the inventory says "unpinned". `field` is the inventory key that sets the sha256.
 */
export interface PinnedDownload {
  url: string;
  sha256: string;
  field: string;
}

/** An apt repository key: trusted only when its one primary key has this fingerprint (or "unpinned"). */
export interface PinnedKey {
  url: string;
  fingerprint: string;
  field: string;
}

export interface HostSpec {
  name: string;
  address: string;
  role: 'master' | 'worker';
  interface?: string;
  ssh: HostConnection;
}

export interface ClusterSpec {
  name: string;
  kubernetes: { version: string; minor: string };
  hosts: HostSpec[];
  masters: string[];
  workers: string[];
  /** The master that runs `kubeadm init` and every cluster-wide kubectl step. */
  firstMaster: string;
  controlPlaneEndpoint: { host: string; port: number; value: string };
  network: { podSubnet: string; serviceSubnet: string; hostSubnets: string[]; calicoInterfaceRegex?: string };
  etcd: ClusterInput['etcd'] & { scheme: 'http' | 'https'; endpoints: string[]; initialCluster: string };
  packages: {
    kubernetesRepo: string;
    kubernetesRepoKey: PinnedKey;
    kubernetesRepoSuite: string;
    kubernetesPackageVersion?: string;
    containerd: 'docker' | 'debian' | 'tarball';
    dockerRepo: string;
    dockerRepoKey: PinnedKey;
    containerdTarballUrl?: string;
    /** containerd: tarball: the release tarball and runc's binary, pinned. */
    containerdTarball?: PinnedDownload;
    runc?: PinnedDownload;
    debianMirror: string;
    debianRelease: 'bookworm' | 'trixie';
    minimumContainerd: string;
  };
  kernel: ClusterInput['kernel'];
  cni: {
    plugin: 'calico' | 'flannel';
    install: 'manifest' | 'operator';
    manifest: PinnedDownload;
    operatorCrds: PinnedDownload;
    operator: PinnedDownload;
  };
  ingress: {
    controller: 'ingress-nginx' | 'contour' | 'none';
    /** url '' when controller is none. */
    manifest: PinnedDownload;
    namespace: string;
    selector: Record<string, string>;
    targetPorts: { http: number; https: number };
    httpNodePort?: number;
    httpsNodePort?: number;
  };
  dashboard: {
    kind: 'kubernetes-dashboard' | 'headlamp' | 'none';
    /** url '' when kind is none. */
    manifest: PinnedDownload;
    namespace: string;
    selector: Record<string, string>;
    targetPort: number;
    scheme: 'http' | 'https';
    nodePort: number;
  };
  verify: ClusterInput['verify'];
  /** Optional: specs recorded by an older hakube (workflow histories) have none; absent = the defaults. */
  kubeadm?: ClusterInput['kubeadm'];
  kubelet?: ClusterInput['kubelet'];
  kubeProxy?: ClusterInput['kubeProxy'];
  containerd?: ClusterInput['containerd'];
}

export function hostByName(spec: ClusterSpec, name: string): HostSpec {
  const host = spec.hosts.find((h) => h.name === name);
  if (!host) throw new Error(`host ${name} is not in cluster ${spec.name}`);
  return host;
}

/**
 * The cluster as it is once these hosts have left (`hakube remove`): what the remaining hosts' files
 * (haproxy's backends) are rendered from. The first master cannot leave (it holds the etcd CA), so
 * everything derived from it stays as it is.
 */
export function withoutHosts(spec: ClusterSpec, leaving: readonly string[]): ClusterSpec {
  if (leaving.includes(spec.firstMaster)) throw new Error(`${spec.firstMaster} is the first master: it cannot leave the cluster`);
  const gone = spec.hosts.filter((h) => leaving.includes(h.name));
  const stays = (url: string) => !gone.some((h) => url.includes(`//${h.address}:`));
  return {
    ...spec,
    hosts: spec.hosts.filter((h) => !leaving.includes(h.name)),
    masters: spec.masters.filter((m) => !leaving.includes(m)),
    workers: spec.workers.filter((w) => !leaving.includes(w)),
    etcd: {
      ...spec.etcd,
      endpoints: spec.etcd.endpoints.filter(stays),
      initialCluster: spec.etcd.initialCluster
        .split(',')
        .filter((m) => stays(m))
        .join(','),
    },
  };
}
