// ClusterInput (validated) -> ClusterSpec (every default and derived value resolved).
import { API_SERVER_PORT } from '../contracts/remote-files';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ClusterInput } from './schema';
import type { ClusterSpec, HostSpec } from './spec';
import { DASHBOARDS, INGRESS_CONTROLLERS } from './addons';
import { minimumContainerd } from './versions';

export function expandPath(p: string, baseDir: string): string {
  if (p === '~' || p.startsWith('~/')) return path.join(os.homedir(), p.slice(1));
  return path.resolve(baseDir, p);
}

export function normalize(input: ClusterInput, baseDir: string): ClusterSpec {
  const knownHostsFile = expandPath(input.knownHostsFile, baseDir);
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
  const repo = `https://pkgs.k8s.io/core:/stable:/v${minor}/deb/`;

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
      kubernetesRepo: input.packages.kubernetesRepo ?? repo,
      kubernetesRepoKey: input.packages.kubernetesRepoKey ?? `${repo}Release.key`,
      kubernetesRepoSuite: input.packages.kubernetesRepoSuite,
      kubernetesPackageVersion: input.packages.kubernetesPackageVersion,
      containerd: input.packages.containerd,
      dockerRepo: input.packages.dockerRepo,
      dockerRepoKey: input.packages.dockerRepoKey,
      containerdTarballUrl: input.packages.containerdTarballUrl,
      debianMirror: input.packages.debianMirror,
      debianRelease: input.packages.debianRelease,
      minimumContainerd: minimumContainerd(minor),
    },
    kernel: input.kernel,
    cni: input.cni,
    ingress: {
      controller: input.ingress.controller,
      manifestUrl: input.ingress.manifestUrl ?? ingress?.manifestUrl ?? '',
      namespace: ingress?.namespace ?? '',
      selector: { ...(ingress?.selector ?? {}) },
      targetPorts: { ...(ingress?.targetPorts ?? { http: 80, https: 443 }) },
      httpNodePort: input.ingress.httpNodePort,
      httpsNodePort: input.ingress.httpsNodePort,
    },
    dashboard: {
      kind: input.dashboard.kind,
      manifestUrl: input.dashboard.manifestUrl ?? dashboard?.manifestUrl ?? '',
      namespace: dashboard?.namespace ?? '',
      selector: { ...(dashboard?.selector ?? {}) },
      targetPort: dashboard?.targetPort ?? 0,
      scheme: dashboard?.scheme ?? 'https',
      nodePort: input.dashboard.nodePort,
    },
    verify: input.verify,
  };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
