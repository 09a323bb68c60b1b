// Renders the catalogue's files (src/contracts/remote-files.ts) for one host: used by `hakube plan`
// (to show them) and by the activities (to write them), so the two cannot drift apart.
import type { ClusterSpec, HostSpec } from '../inventory/spec';
import { hostByName } from '../inventory/spec';
import {
  API_SERVER_PORT,
  ETCD_PKI,
  ETCD_PKI_DIR,
  INIT_TOKEN_MARK,
  LOCAL_API_ADDRESS,
  RENDERED_FILES,
  renderedFile,
  type RenderedFileEntry,
  type RenderedFileId,
} from '../contracts/remote-files';
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

/**
 * How an etcd member joins, read by etcd only when its data directory is empty: the masters that
 * bootstrap the cluster together say "new" with every one of them; a master added later says
 * "existing" with the members it joins (steps/etcd.ts decides which, from the live member list).
 */
export interface EtcdMembership {
  initialCluster: string;
  state: 'new' | 'existing';
}

/** Values the activities know only on the host, at run time. */
export interface RunTimeValues {
  etcdMembership?: EtcdMembership;
}

export interface RenderedFile {
  id: RenderedFileId;
  path: string;
  mode: number;
  content: string;
  secret: boolean;
}

/** Names the API servers' certificate must hold: every master's address and loopback (haproxy on the
 * workers), plus the endpoint when it is a name or VIP. */
export function apiServerCertSans(spec: ClusterSpec): string[] {
  const masters = spec.masters.map((name) => hostByName(spec, name));
  return [...new Set(['127.0.0.1', ...masters.map((m) => m.address), spec.controlPlaneEndpoint.host])];
}

/** Values every template may use. */
export function templateContext(spec: ClusterSpec, host: HostSpec, secrets: JoinSecrets, runTime: RunTimeValues = {}) {
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
    apiServerPort: API_SERVER_PORT,
    localApiAddress: LOCAL_API_ADDRESS,
    certSANs: apiServerCertSans(spec),
    etcd: spec.etcd,
    etcdMembership: runTime.etcdMembership ?? { initialCluster: spec.etcd.initialCluster, state: 'new' },
    etcdPki: ETCD_PKI,
    initTokenMark: INIT_TOKEN_MARK,
    etcdPkiDir: ETCD_PKI_DIR,
    network: spec.network,
    packages: spec.packages,
    debianCodename: spec.packages.debianRelease,
    containerdConfigVersion: spec.packages.containerd === 'debian' ? 2 : 3,
    // flanneld's --iface-regex: the same interfaces (a regex matching every host's NIC), else its default route's.
    flannelIfaceRegex: spec.network.calicoInterfaceRegex ?? '',
    calicoAutodetectionMethod: spec.network.calicoInterfaceRegex ? `interface=${spec.network.calicoInterfaceRegex}` : 'first-found',
    ingress: spec.ingress,
    dashboard: spec.dashboard,
    kubeadm: spec.kubeadm ?? { ignorePreflightErrors: [] },
    kubelet: spec.kubelet ?? { failCgroupV1: true },
    kubeProxy: spec.kubeProxy ?? {},
    containerd: spec.containerd ?? { registryMirrorSkipVerify: false, restrictOomScoreAdj: false, privilegedWithoutHostDevices: false },
    secrets,
  };
}

export function filesForHost(spec: ClusterSpec, hostName: string): RenderedFileEntry[] {
  const host = hostByName(spec, hostName);
  return RENDERED_FILES.filter((f) => f.on(host, spec));
}

export function renderHostFile(
  spec: ClusterSpec,
  hostName: string,
  id: RenderedFileId,
  secrets: JoinSecrets = PLAN_PLACEHOLDER_SECRETS,
  runTime: RunTimeValues = {},
): RenderedFile {
  const host = hostByName(spec, hostName);
  const entry = renderedFile(id);
  if (!entry.on(host, spec)) throw new Error(`file ${id} is not written on ${hostName}`);
  return {
    id,
    path: entry.path,
    mode: entry.mode,
    content: renderTemplate(entry.template, templateContext(spec, host, secrets, runTime)),
    secret: !!entry.secret,
  };
}

export function renderHostFiles(spec: ClusterSpec, hostName: string, secrets: JoinSecrets = PLAN_PLACEHOLDER_SECRETS): RenderedFile[] {
  return filesForHost(spec, hostName).map((f) => renderHostFile(spec, hostName, f.id, secrets));
}
