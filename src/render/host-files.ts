// Every file hakube writes, on which hosts, in which phase: one catalogue used by `hakube plan`
// (to show them) and by the install activities (to write them), so the two cannot drift apart.
import type { ClusterSpec, HostSpec } from '../inventory/spec';
import { hostByName } from '../inventory/spec';
import { renderTemplate } from './environment';

/** Secrets only known at run time. The plan renders placeholders in their place. */
export interface JoinSecrets {
  joinToken: string;
  caCertHash: string;
  certificateKey: string;
}

export const PLAN_PLACEHOLDER_SECRETS: JoinSecrets = {
  joinToken: '<bootstrap token: created on the first master at run time, never stored>',
  caCertHash: '<sha256 of the cluster CA public key: read at run time>',
  certificateKey: '<certificate key: uploaded by kubeadm at run time, expires after 2 hours>',
};

export type FileId =
  | 'kernel-modules'
  | 'sysctl'
  | 'apt-kubernetes'
  | 'apt-docker'
  | 'apt-backports'
  | 'containerd-config'
  | 'etcd-env'
  | 'etcd-unit'
  | 'etcd-compose'
  | 'kubeadm-init'
  | 'kubeadm-join'
  | 'haproxy-config'
  | 'calico-installation'
  | 'calico-node-env'
  | 'ingress-service'
  | 'dashboard-service'
  | 'dashboard-rbac';

interface FileEntry {
  id: FileId;
  path: string;
  template: string;
  mode: number;
  /** Whether this host gets the file. */
  on: (host: HostSpec, spec: ClusterSpec) => boolean;
  /** The rendered text holds join secrets: written 0600, removed after use, never shown. */
  secret?: boolean;
}

const everyHost = () => true;
const isFirstMaster = (h: HostSpec, s: ClusterSpec) => h.name === s.firstMaster;
const MANIFESTS = '/etc/hakube/manifests';

export const FILE_CATALOGUE: readonly FileEntry[] = [
  { id: 'kernel-modules', path: '/etc/modules-load.d/k8s.conf', template: 'host/modules-k8s.conf.njk', mode: 0o644, on: everyHost },
  { id: 'sysctl', path: '/etc/sysctl.d/99-kubernetes-cri.conf', template: 'host/sysctl-k8s.conf.njk', mode: 0o644, on: everyHost },
  { id: 'apt-kubernetes', path: '/etc/apt/sources.list.d/kubernetes.sources', template: 'apt/kubernetes.sources.njk', mode: 0o644, on: everyHost },
  {
    id: 'apt-docker',
    path: '/etc/apt/sources.list.d/docker.sources',
    template: 'apt/docker.sources.njk',
    mode: 0o644,
    on: (_h, s) => s.packages.containerd === 'docker',
  },
  {
    id: 'apt-backports',
    path: '/etc/apt/sources.list.d/backports.sources',
    template: 'apt/backports.sources.njk',
    mode: 0o644,
    on: (_h, s) => s.kernel.upgrade,
  },
  { id: 'containerd-config', path: '/etc/containerd/config.toml', template: 'containerd/config.toml.njk', mode: 0o644, on: everyHost },
  {
    id: 'etcd-env',
    path: '/etc/etcd/etcd.env',
    template: 'etcd/etcd.env.njk',
    mode: 0o644,
    on: (h, s) => h.role === 'master' && s.etcd.mode === 'systemd',
  },
  {
    id: 'etcd-unit',
    path: '/etc/systemd/system/etcd.service',
    template: 'etcd/etcd.service.njk',
    mode: 0o644,
    on: (h, s) => h.role === 'master' && s.etcd.mode === 'systemd',
  },
  {
    id: 'etcd-compose',
    path: '/etc/hakube/etcd/docker-compose.yaml',
    template: 'etcd/docker-compose.yaml.njk',
    mode: 0o644,
    on: (h, s) => h.role === 'master' && s.etcd.mode === 'docker-compose',
  },
  { id: 'kubeadm-init', path: '/etc/hakube/kubeadm/kubeadm-init.yaml', template: 'kubeadm/kubeadm-init.yaml.njk', mode: 0o600, on: isFirstMaster },
  {
    id: 'kubeadm-join',
    path: '/etc/hakube/kubeadm/kubeadm-join.yaml',
    template: 'kubeadm/kubeadm-join.yaml.njk',
    mode: 0o600,
    on: (h, s) => !isFirstMaster(h, s),
    secret: true,
  },
  { id: 'haproxy-config', path: '/etc/haproxy/haproxy.cfg', template: 'haproxy/haproxy.cfg.njk', mode: 0o644, on: (h) => h.role === 'worker' },
  {
    id: 'calico-installation',
    path: `${MANIFESTS}/calico-installation.yaml`,
    template: 'addons/calico-installation.yaml.njk',
    mode: 0o644,
    on: (h, s) => isFirstMaster(h, s) && s.cni.install === 'operator',
  },
  {
    id: 'calico-node-env',
    path: `${MANIFESTS}/calico-node-env.patch.yaml`,
    template: 'addons/calico-node-env.yaml.njk',
    mode: 0o644,
    on: (h, s) => isFirstMaster(h, s) && s.cni.install === 'manifest',
  },
  {
    id: 'ingress-service',
    path: `${MANIFESTS}/ingress-service.yaml`,
    template: 'addons/ingress-service.yaml.njk',
    mode: 0o644,
    on: (h, s) => isFirstMaster(h, s) && s.ingress.controller !== 'none',
  },
  {
    id: 'dashboard-service',
    path: `${MANIFESTS}/dashboard-service.yaml`,
    template: 'addons/dashboard-service.yaml.njk',
    mode: 0o644,
    on: (h, s) => isFirstMaster(h, s) && s.dashboard.kind !== 'none',
  },
  {
    id: 'dashboard-rbac',
    path: `${MANIFESTS}/dashboard-rbac.yaml`,
    template: 'addons/dashboard-rbac.yaml.njk',
    mode: 0o644,
    on: (h, s) => isFirstMaster(h, s) && s.dashboard.kind !== 'none',
  },
];

export interface RenderedFile {
  id: FileId;
  path: string;
  mode: number;
  content: string;
  secret: boolean;
}

/** Values every template may use. */
export function templateContext(spec: ClusterSpec, host: HostSpec, secrets: JoinSecrets) {
  const masters = spec.masters.map((name) => hostByName(spec, name));
  return {
    managedBy: `Managed by hakube for cluster ${spec.name}: changes are overwritten by the next \`hakube up\`.`,
    clusterName: spec.name,
    host,
    masters,
    kubernetes: spec.kubernetes,
    // A bare minor (1.37) becomes kubeadm's "latest patch of 1.37" label; an exact version is used as is.
    kubernetesVersion: spec.kubernetes.version.split('.').length === 3 ? `v${spec.kubernetes.version}` : `stable-${spec.kubernetes.minor}`,
    controlPlaneEndpoint: spec.controlPlaneEndpoint,
    // Every master's address and loopback (haproxy on the workers), plus the endpoint when it is a name or VIP.
    certSANs: [...new Set(['127.0.0.1', ...masters.map((m) => m.address), spec.controlPlaneEndpoint.host])],
    etcd: spec.etcd,
    network: spec.network,
    packages: spec.packages,
    debianCodename: spec.packages.debianRelease,
    containerdConfigVersion: spec.packages.containerd === 'debian' ? 2 : 3,
    calicoAutodetectionMethod: spec.network.calicoInterfaceRegex ? `interface=${spec.network.calicoInterfaceRegex}` : 'first-found',
    ingress: spec.ingress,
    dashboard: spec.dashboard,
    secrets,
  };
}

export function filesForHost(spec: ClusterSpec, hostName: string): FileEntry[] {
  const host = hostByName(spec, hostName);
  return FILE_CATALOGUE.filter((f) => f.on(host, spec));
}

export function renderHostFile(spec: ClusterSpec, hostName: string, id: FileId, secrets: JoinSecrets = PLAN_PLACEHOLDER_SECRETS): RenderedFile {
  const host = hostByName(spec, hostName);
  const entry = FILE_CATALOGUE.find((f) => f.id === id);
  if (!entry || !entry.on(host, spec)) throw new Error(`file ${id} is not written on ${hostName}`);
  return {
    id,
    path: entry.path,
    mode: entry.mode,
    content: renderTemplate(entry.template, templateContext(spec, host, secrets)),
    secret: !!entry.secret,
  };
}

export function renderHostFiles(spec: ClusterSpec, hostName: string, secrets: JoinSecrets = PLAN_PLACEHOLDER_SECRETS): RenderedFile[] {
  return filesForHost(spec, hostName).map((f) => renderHostFile(spec, hostName, f.id, secrets));
}
