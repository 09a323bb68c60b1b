// The API servers follow the set of masters (added by `up`, removed by `hakube remove`): the
// kubeadm-config ConfigMap (what the next `kubeadm join --control-plane` reads), each API server's
// certificate (every master's address as a SAN) and its static pod's --etcd-servers. The procedure is
// kubeadm's "Reconfiguring a kubeadm cluster": single `kubeadm init phase` commands with a config file.
import { parse as parseYaml } from 'yaml';
import type { HostRequest, StepResult } from '../../contracts/activity-request';
import { API_SERVER_PORT, remotePath } from '../../contracts/remote-files';
import { withoutHosts, type ClusterSpec } from '../../inventory/spec';
import { apiServerCertSans } from '../../render/host-files';
import { result, type HostSession } from '../host/session';
import { ensurePackages } from '../host/packages';
import { KUBECTL } from './kubectl';

/** The names a certificate is valid for, from `openssl x509 -ext subjectAltName` output. */
export function subjectAltNames(text: string): string[] {
  return [...text.matchAll(/(?:DNS|IP Address):([^,\s]+)/g)].map((m) => m[1]!);
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** The cluster as it is after this operation: without the masters a removal takes out. */
const clusterAfter = (s: HostSession, req: HostRequest) => s.withSpec(withoutHosts(s.spec, req.options?.removing ?? []));

/** A master that has joined the control plane (kubeadm init or join --control-plane wrote admin.conf). */
export const isControlPlane = (s: HostSession) => s.exists('admin-conf');

/** Whether the cluster's kubeadm-config lists other etcd endpoints or SANs than the masters now. */
async function clusterConfigurationDiffers(s: HostSession, spec: ClusterSpec): Promise<boolean> {
  const cm = JSON.parse(await s.sh(`${KUBECTL} -n kube-system get configmap kubeadm-config -o json`, { timeoutMs: 60_000 })) as {
    data?: { ClusterConfiguration?: string };
  };
  const current = (parseYaml(cm.data?.ClusterConfiguration ?? '') ?? {}) as {
    etcd?: { external?: { endpoints?: string[] } };
    apiServer?: { certSANs?: string[] };
  };
  return !(
    sameSet(current.etcd?.external?.endpoints ?? [], spec.etcd.endpoints) &&
    sameSet(current.apiServer?.certSANs ?? [], apiServerCertSans(spec))
  );
}

/**
 * On one master: kubeadm-config (from the first master), the API server's certificate issued again when
 * it lacks a master's address (the old pair backed up and moved away first: kubeadm keeps an existing
 * certificate), and its static pod written again when --etcd-servers differ (the kubelet restarts it).
 * Everything is checked first: a master as wanted is left alone (not even its config file is written).
 */
async function refreshControlPlane(host: HostSession, req: HostRequest): Promise<StepResult> {
  const s = clusterAfter(host, req);
  if (!(await isControlPlane(s))) {
    s.log(`${s.host.name} is not a control-plane node yet: it joins with the new configuration (join-masters)`);
    return result(false);
  }
  await ensurePackages(s, ['openssl']);
  const upload = s.host.name === s.spec.firstMaster && (await clusterConfigurationDiffers(s, s.spec));
  const wanted = apiServerCertSans(s.spec);
  const cert = await s.probe(`openssl x509 -in ${remotePath('apiserver-cert')} -noout -ext subjectAltName`);
  const missing = cert.code === 0 ? wanted.filter((n) => !subjectAltNames(cert.stdout).includes(n)) : wanted;
  const manifest = await s.probe(`cat ${remotePath('apiserver-manifest')}`);
  const etcdServers = /--etcd-servers=(\S+)/.exec(manifest.stdout)?.[1]?.split(',') ?? [];
  const rewriteManifest = manifest.code !== 0 || missing.length > 0 || !sameSet(etcdServers, s.spec.etcd.endpoints);
  if (!upload && !missing.length && !rewriteManifest) return result(false);

  const config = remotePath('kubeadm-control-plane');
  await s.writeRendered('kubeadm-control-plane');
  if (upload) await s.sh(`kubeadm init phase upload-config kubeadm --config ${config}`, { timeoutMs: 120_000 });
  if (missing.length) {
    s.log(`API server certificate lacks ${missing.join(', ')}: issued again`);
    await s.remove('apiserver-cert');
    await s.remove('apiserver-key');
    await s.sh(`kubeadm init phase certs apiserver --config ${config}`, { timeoutMs: 120_000 });
  }
  if (rewriteManifest) {
    if (manifest.code === 0) await s.remove('apiserver-manifest'); // backed up; kubeadm writes it again
    await s.sh(`kubeadm init phase control-plane apiserver --config ${config}`, { timeoutMs: 120_000 });
  }
  return result(true);
}

/** Gate: this master's API server answers /readyz and serves a certificate with every master's address. */
async function apiServerServes(host: HostSession, req: HostRequest): Promise<StepResult> {
  const s = clusterAfter(host, req);
  if (!(await isControlPlane(s))) return result(false);
  const server = `${s.host.address}:${API_SERVER_PORT}`;
  const served = await s.sh(`openssl s_client -connect ${server} </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName`, {
    timeoutMs: 30_000,
  });
  const missing = apiServerCertSans(s.spec).filter((n) => !subjectAltNames(served).includes(n));
  if (missing.length)
    throw new Error(`the API server on ${server} serves a certificate without ${missing.join(', ')} (not restarted yet?)`);
  const ready = (await s.sh(`${KUBECTL} --server=https://${server} get --raw=/readyz`, { timeoutMs: 30_000 })).trim();
  if (ready !== 'ok') throw new Error(`the API server on ${server} is not ready: ${ready}`);
  return result(false);
}

export const controlPlaneSteps = { refreshControlPlane, apiServerServes };
