// Every path hakube reads or writes on a host, in one catalogue: the files it renders from
// templates (with the hosts that get them) and the files other tools write that hakube edits,
// backs up or restores. `hakube plan`, the phase declarations, the renderer and the activities all
// name files by id and get their paths here, so a path is written down once.
// Pure data (bundled into the workflow code too): no Node built-ins, no I/O.
import { API_SERVER_PORT, type ClusterSpec, type HostSpec } from '../inventory/spec';

export { API_SERVER_PORT };
/** Where a worker's kubelet reaches the API once haproxy runs on it (article step 12). */
export const LOCAL_API_ADDRESS = `127.0.0.1:${API_SERVER_PORT}`;
export const LOCAL_API_URL = `https://${LOCAL_API_ADDRESS}`;

/** Marks the bootstrap token `kubeadm init` makes (in its description), so hakube finds and deletes it. */
export const INIT_TOKEN_MARK = 'hakube-init-token';

/** Files hakube renders from `templates/`. */
export type RenderedFileId =
  | 'kernel-modules'
  | 'sysctl'
  | 'apt-kubernetes'
  | 'apt-docker'
  | 'apt-backports'
  | 'containerd-config'
  | 'containerd-mirror'
  | 'containerd-unit'
  | 'etcd-env'
  | 'etcd-unit'
  | 'etcd-compose'
  | 'kubeadm-init'
  | 'kubeadm-join'
  | 'kubeadm-control-plane'
  | 'haproxy-config'
  | 'calico-installation'
  | 'calico-node-env'
  | 'flannel-net-conf'
  | 'flannel-ds'
  | 'ingress-service'
  | 'dashboard-service'
  | 'dashboard-rbac';

/**
 * etcd's TLS files on every master (etcd.tls). The CA key exists on the first master only; every
 * other key is made on the host that uses it and never leaves it: only CSRs and certificates travel.
 * Kept outside /etc/kubernetes/pki so that a `kubeadm reset` does not take etcd's certificates away.
 */
export const ETCD_PKI_DIR = '/etc/etcd/pki';
export const ETCD_PKI = {
  caCert: `${ETCD_PKI_DIR}/ca.crt`,
  caKey: `${ETCD_PKI_DIR}/ca.key`,
  serverCert: `${ETCD_PKI_DIR}/server.crt`,
  serverKey: `${ETCD_PKI_DIR}/server.key`,
  peerCert: `${ETCD_PKI_DIR}/peer.crt`,
  peerKey: `${ETCD_PKI_DIR}/peer.key`,
  /** The API servers' (and hakube's etcdctl checks') client certificate, as kubeadm names it. */
  clientCert: `${ETCD_PKI_DIR}/apiserver-etcd-client.crt`,
  clientKey: `${ETCD_PKI_DIR}/apiserver-etcd-client.key`,
} as const;

/** Files written by the OS or by kubeadm that hakube edits, moves aside or reads. */
export const HOST_PATHS = {
  fstab: '/etc/fstab',
  'admin-conf': '/etc/kubernetes/admin.conf',
  'kubelet-conf': '/etc/kubernetes/kubelet.conf',
  'bootstrap-kubelet-conf': '/etc/kubernetes/bootstrap-kubelet.conf',
  'kubernetes-ca': '/etc/kubernetes/pki/ca.crt',
  'apiserver-manifest': '/etc/kubernetes/manifests/kube-apiserver.yaml',
  'controller-manager-manifest': '/etc/kubernetes/manifests/kube-controller-manager.yaml',
  'scheduler-manifest': '/etc/kubernetes/manifests/kube-scheduler.yaml',
  'apiserver-cert': '/etc/kubernetes/pki/apiserver.crt',
  'apiserver-key': '/etc/kubernetes/pki/apiserver.key',
  // What `kubeadm certs renew all` replaces with external etcd (besides apiserver.crt/key): backed up first.
  'apiserver-kubelet-client-cert': '/etc/kubernetes/pki/apiserver-kubelet-client.crt',
  'apiserver-kubelet-client-key': '/etc/kubernetes/pki/apiserver-kubelet-client.key',
  'front-proxy-client-cert': '/etc/kubernetes/pki/front-proxy-client.crt',
  'front-proxy-client-key': '/etc/kubernetes/pki/front-proxy-client.key',
  'super-admin-conf': '/etc/kubernetes/super-admin.conf',
  'controller-manager-conf': '/etc/kubernetes/controller-manager.conf',
  'scheduler-conf': '/etc/kubernetes/scheduler.conf',
  'kubernetes-apt-key': '/etc/apt/keyrings/kubernetes-apt-keyring.asc',
  'docker-apt-key': '/etc/apt/keyrings/docker.asc',
  // etcd's certificates (public: the keys are made on the host and never written by hakube).
  'etcd-ca-cert': ETCD_PKI.caCert,
  'etcd-server-cert': ETCD_PKI.serverCert,
  'etcd-peer-cert': ETCD_PKI.peerCert,
  'etcd-client-cert': ETCD_PKI.clientCert,
} as const;
export type HostPathId = keyof typeof HOST_PATHS;

export type FileId = RenderedFileId | HostPathId;

/** Where the previous version of every file hakube replaces is kept on the host, per run. */
export const BACKUP_ROOT = '/var/lib/hakube/backups';
/** On the first master: one empty file per manifest content (sha256) kubectl applied successfully (see apply). */
export const APPLIED_DIR = '/var/lib/hakube/applied';
/** On the first master: the key of each run's control-plane certificate upload (root only; see joinNode). */
export const CERTIFICATE_KEYS_DIR = '/var/lib/hakube/join-certificate-keys';
/**
 * Which cluster a host belongs to: `cluster=NAME` (written by preflight when the host is taken) and, on
 * masters, `etcd-cluster-id=ID` (the etcd cluster the install formed). `up` for another cluster refuses
 * such a host; `hakube reset` frees it.
 */
export const CLUSTER_IDENTITY = '/var/lib/hakube/cluster-identity';
/** etcd's data directory for a cluster (the systemd variant; the compose variant mounts the same). */
export const etcdDataDir = (cluster: string) => `/var/lib/etcd/${cluster}`;

export interface RenderedFileEntry {
  id: RenderedFileId;
  path: string;
  template: string;
  mode: number;
  /** Whether this host gets the file. */
  on: (host: HostSpec, spec: ClusterSpec) => boolean;
  /** The rendered text holds join secrets: written 0600, removed after use, never shown by the plan. */
  secret?: boolean;
  /** Written only in this case, not by every install (e.g. when the set of masters changes). */
  onlyWhen?: string;
}

const everyHost = () => true;
const isFirstMaster = (h: HostSpec, s: ClusterSpec) => h.name === s.firstMaster;
const etcdMember = (mode: ClusterSpec['etcd']['mode']) => (h: HostSpec, s: ClusterSpec) => h.role === 'master' && s.etcd.mode === mode;
const MANIFESTS = '/etc/hakube/manifests';

export const RENDERED_FILES: readonly RenderedFileEntry[] = [
  { id: 'kernel-modules', path: '/etc/modules-load.d/k8s.conf', template: 'host/modules-k8s.conf.njk', mode: 0o644, on: everyHost },
  { id: 'sysctl', path: '/etc/sysctl.d/99-kubernetes-cri.conf', template: 'host/sysctl-k8s.conf.njk', mode: 0o644, on: everyHost },
  {
    id: 'apt-kubernetes',
    path: '/etc/apt/sources.list.d/kubernetes.sources',
    template: 'apt/kubernetes.sources.njk',
    mode: 0o644,
    on: everyHost,
  },
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
    id: 'containerd-unit',
    path: '/etc/systemd/system/containerd.service',
    template: 'containerd/containerd.service.njk',
    mode: 0o644,
    on: (_h, s) => s.packages.containerd === 'tarball',
  },
  {
    id: 'containerd-mirror',
    path: '/etc/containerd/certs.d/_default/hosts.toml',
    template: 'containerd/mirror-hosts.toml.njk',
    mode: 0o644,
    on: (_h, s) => !!s.containerd?.registryMirror,
  },
  { id: 'etcd-env', path: '/etc/etcd/etcd.env', template: 'etcd/etcd.env.njk', mode: 0o644, on: etcdMember('systemd') },
  { id: 'etcd-unit', path: '/etc/systemd/system/etcd.service', template: 'etcd/etcd.service.njk', mode: 0o644, on: etcdMember('systemd') },
  {
    id: 'etcd-compose',
    path: '/etc/hakube/etcd/docker-compose.yaml',
    template: 'etcd/docker-compose.yaml.njk',
    mode: 0o644,
    on: etcdMember('docker-compose'),
  },
  {
    id: 'kubeadm-init',
    path: '/etc/hakube/kubeadm/kubeadm-init.yaml',
    template: 'kubeadm/kubeadm-init.yaml.njk',
    mode: 0o600,
    on: isFirstMaster,
  },
  {
    id: 'kubeadm-join',
    path: '/etc/hakube/kubeadm/kubeadm-join.yaml',
    template: 'kubeadm/kubeadm-join.yaml.njk',
    mode: 0o600,
    on: (h, s) => !isFirstMaster(h, s),
    secret: true,
  },
  {
    id: 'kubeadm-control-plane',
    path: '/etc/hakube/kubeadm/kubeadm-control-plane.yaml',
    template: 'kubeadm/kubeadm-control-plane.yaml.njk',
    mode: 0o600,
    on: (h) => h.role === 'master',
    onlyWhen: 'the set of masters changes (control-plane-refresh)',
  },
  {
    id: 'haproxy-config',
    path: '/etc/haproxy/haproxy.cfg',
    template: 'haproxy/haproxy.cfg.njk',
    mode: 0o644,
    on: (h) => h.role === 'worker',
  },
  {
    id: 'calico-installation',
    path: `${MANIFESTS}/calico-installation.yaml`,
    template: 'addons/calico-installation.yaml.njk',
    mode: 0o644,
    on: (h, s) => isFirstMaster(h, s) && s.cni.plugin !== 'flannel' && s.cni.install === 'operator',
  },
  {
    id: 'calico-node-env',
    path: `${MANIFESTS}/calico-node-env.patch.yaml`,
    template: 'addons/calico-node-env.yaml.njk',
    mode: 0o644,
    on: (h, s) => isFirstMaster(h, s) && s.cni.plugin !== 'flannel' && s.cni.install === 'manifest',
  },
  {
    id: 'flannel-net-conf',
    path: `${MANIFESTS}/flannel-net-conf.patch.yaml`,
    template: 'addons/flannel-net-conf.yaml.njk',
    mode: 0o644,
    on: (h, s) => isFirstMaster(h, s) && s.cni.plugin === 'flannel',
  },
  {
    id: 'flannel-ds',
    path: `${MANIFESTS}/flannel-ds.patch.yaml`,
    template: 'addons/flannel-ds.yaml.njk',
    mode: 0o644,
    on: (h, s) => isFirstMaster(h, s) && s.cni.plugin === 'flannel',
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

export function renderedFile(id: RenderedFileId): RenderedFileEntry {
  const entry = RENDERED_FILES.find((f) => f.id === id);
  if (!entry) throw new Error(`file ${id} is not in the catalogue`);
  return entry;
}

/** The path of any catalogued file. */
export function remotePath(id: FileId): string {
  return id in HOST_PATHS ? HOST_PATHS[id as HostPathId] : renderedFile(id as RenderedFileId).path;
}

/**
 * How hakube runs `kubeadm reset`: its remove-etcd-member phase, finding no stacked etcd manifest,
 * falls back to /var/lib/etcd and empties it (kubernetes/kubeadm#3225), which is where the external
 * etcd members keep their data (etcdDataDir). The external etcd is hakube's to manage, never kubeadm's.
 */
export const KUBEADM_RESET = 'kubeadm reset -f --skip-phases=remove-etcd-member';
