// ClusterInput (validated) -> ClusterSpec (every default and derived value resolved).
import * as os from 'node:os';
import * as path from 'node:path';
import type { ClusterInput } from './schema';
import { API_SERVER_PORT, type ClusterSpec, type HostSpec, type PinnedDownload, type PinnedKey } from './spec';
import { CALICO, FLANNEL, DASHBOARDS, INGRESS_CONTROLLERS, type PinnedFile } from './addons';
import { DOCKER_REPO_KEY, KUBERNETES_REPO_KEY_FINGERPRINT, kubernetesRepo } from './signing-keys';
import { minimumContainerd } from './versions';
import { knownHostsFileProblems } from './checks';
import { InventoryError } from './problems';

export function expandPath(p: string, baseDir: string): string {
  if (p === '~' || p.startsWith('~/')) return path.join(os.homedir(), p.slice(1));
  return path.resolve(baseDir, p);
}

export function normalize(input: ClusterInput, baseDir: string): ClusterSpec {
  const knownHostsFile = expandPath(input.knownHostsFile, baseDir);
  // Only here is the path resolved (relative paths from the inventory's folder): refused before any host is touched.
  const knownHostsProblems = knownHostsFileProblems(input.knownHostsFile, knownHostsFile);
  if (knownHostsProblems.length) throw new InventoryError(`the inventory in ${baseDir}`, knownHostsProblems);
  const hosts: HostSpec[] = input.hosts.map((h) => {
    const user = h.ssh?.user ?? input.ssh.user ?? 'root';
    return {
      name: h.name,
      address: h.address,
      role: h.role,
      interface: h.interface ?? input.network.interface,
      ssh: {
        address: h.address,
        port: h.ssh?.port ?? input.ssh.port ?? 22,
        user,
        keyPath: expandPath(h.ssh?.keyPath ?? input.ssh.keyPath ?? '~/.ssh/id_ed25519', baseDir),
        sudo: h.ssh?.sudo ?? input.ssh.sudo ?? user !== 'root',
        knownHostsFile,
        strictHostKeyChecking: h.ssh?.strictHostKeyChecking ?? input.ssh.strictHostKeyChecking ?? false,
      },
    };
  });
  const masters = hosts.filter((h) => h.role === 'master');
  const minor = input.kubernetesVersion.split('.').slice(0, 2).join('.');
  const [cpHost, cpPort] = (input.controlPlaneEndpoint ?? `${masters[0].address}:${API_SERVER_PORT}`).split(':');
  const port = Number(cpPort ?? API_SERVER_PORT);
  const interfaces = [...new Set(hosts.map((h) => h.interface).filter((i): i is string => !!i))];
  const ingress = input.ingress.controller === 'none' ? undefined : INGRESS_CONTROLLERS[input.ingress.controller];
  const dashboard = input.dashboard.kind === 'none' ? undefined : DASHBOARDS[input.dashboard.kind];
  const scheme = input.etcd.tls ? 'https' : 'http';
  const k8sRepo = kubernetesRepo(minor);

  return {
    name: input.name,
    kubernetes: { version: input.kubernetesVersion, minor },
    hosts,
    masters: masters.map((m) => m.name),
    workers: hosts.filter((h) => h.role === 'worker').map((w) => w.name),
    firstMaster: masters[0].name,
    controlPlaneEndpoint: { host: cpHost, port, value: `${cpHost}:${port}` },
    network: {
      podSubnet: input.network.podSubnet,
      serviceSubnet: input.network.serviceSubnet,
      hostSubnets: input.network.hostSubnets,
      // Calico's interface= method takes a regex: hosts with different NICs all match.
      calicoInterfaceRegex: interfaces.length ? interfaces.map(escapeRegex).join('|') : undefined,
    },
    etcd: {
      ...input.etcd,
      scheme,
      endpoints: masters.map((m) => `${scheme}://${m.address}:2379`),
      initialCluster: masters.map((m) => `${m.name}=${scheme}://${m.address}:2380`).join(','),
    },
    packages: {
      kubernetesRepo: input.packages.kubernetesRepo ?? k8sRepo.repo,
      kubernetesRepoKey: pinnedKey(
        input.packages.kubernetesRepoKey,
        input.packages.kubernetesRepoKeyFingerprint,
        { url: k8sRepo.key, fingerprint: KUBERNETES_REPO_KEY_FINGERPRINT },
        'packages.kubernetesRepoKeyFingerprint',
      ),
      kubernetesRepoSuite: input.packages.kubernetesRepoSuite,
      kubernetesPackageVersion: input.packages.kubernetesPackageVersion,
      containerd: input.packages.containerd,
      dockerRepo: input.packages.dockerRepo,
      dockerRepoKey: pinnedKey(
        input.packages.dockerRepoKey,
        input.packages.dockerRepoKeyFingerprint,
        DOCKER_REPO_KEY,
        'packages.dockerRepoKeyFingerprint',
      ),
      containerdTarballUrl: input.packages.containerdTarballUrl,
      ...(input.packages.containerdTarballUrl && {
        containerdTarball: pinned(
          input.packages.containerdTarballUrl,
          input.packages.containerdTarballSha256,
          NONE,
          'packages.containerdTarballSha256',
        ),
      }),
      ...(input.packages.runcUrl && { runc: pinned(input.packages.runcUrl, input.packages.runcSha256, NONE, 'packages.runcSha256') }),
      debianMirror: input.packages.debianMirror,
      debianRelease: input.packages.debianRelease,
      minimumContainerd: minimumContainerd(minor),
    },
    kernel: input.kernel,
    cni: {
      plugin: input.cni.plugin,
      install: input.cni.install,
      manifest: pinned(
        input.cni.manifestUrl,
        input.cni.manifestSha256,
        input.cni.plugin === 'flannel' ? FLANNEL.manifest : CALICO.manifest,
        'cni.manifestSha256',
      ),
      operatorCrds: pinned(input.cni.operatorCrdsUrl, input.cni.operatorCrdsSha256, CALICO.operatorCrds, 'cni.operatorCrdsSha256'),
      operator: pinned(input.cni.operatorUrl, input.cni.operatorSha256, CALICO.operator, 'cni.operatorSha256'),
    },
    ingress: {
      controller: input.ingress.controller,
      manifest: pinned(input.ingress.manifestUrl, input.ingress.manifestSha256, ingress?.manifest ?? NONE, 'ingress.manifestSha256'),
      namespace: ingress?.namespace ?? '',
      selector: { ...(ingress?.selector ?? {}) },
      targetPorts: { ...(ingress?.targetPorts ?? { http: 80, https: 443 }) },
      httpNodePort: input.ingress.httpNodePort,
      httpsNodePort: input.ingress.httpsNodePort,
    },
    dashboard: {
      kind: input.dashboard.kind,
      manifest: pinned(
        input.dashboard.manifestUrl,
        input.dashboard.manifestSha256,
        dashboard?.manifest ?? NONE,
        'dashboard.manifestSha256',
      ),
      namespace: dashboard?.namespace ?? '',
      selector: { ...(dashboard?.selector ?? {}) },
      targetPort: dashboard?.targetPort ?? 0,
      scheme: dashboard?.scheme ?? 'https',
      nodePort: input.dashboard.nodePort,
    },
    verify: input.verify,
    kubeadm: {
      ...input.kubeadm,
      // kubeadm's SystemVerification refuses cgroup v1 for a kubelet 1.35+ as the kubelet itself does.
      ignorePreflightErrors: [
        ...new Set([...input.kubeadm.ignorePreflightErrors, ...(input.kubelet.failCgroupV1 ? [] : ['SystemVerification'])]),
      ],
    },
    kubelet: input.kubelet,
    kubeProxy: input.kubeProxy,
    containerd: input.containerd,
  };
}

/** What an add-on that is not installed downloads: nothing. */
const NONE: PinnedFile = { url: '', sha256: '' };

// An overridden URL comes with its own pin (pins.ts refuses one without); a pin given alone
// replaces the default URL's.
function pinned(url: string | undefined, sha256: string | undefined, byDefault: PinnedFile, field: string): PinnedDownload {
  return { url: url ?? byDefault.url, sha256: sha256 ?? byDefault.sha256, field };
}

function pinnedKey(
  url: string | undefined,
  fingerprint: string | undefined,
  byDefault: { url: string; fingerprint: string },
  field: string,
): PinnedKey {
  return { url: url ?? byDefault.url, fingerprint: fingerprint ?? byDefault.fingerprint, field };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
