// Which cluster a host belongs to (CLUSTER_IDENTITY): taken by preflight, given the etcd cluster's ID by
// the etcd gate on masters, freed by `hakube reset`. Hosts of another cluster are refused before any
// step changes them: an install over them would mix two clusters' certificates, etcd data and records.
import type { HostRequest } from '../../contracts/activity-request';
import { CLUSTER_IDENTITY } from '../../contracts/remote-files';
import type { HostSession } from './session';
import { parseKeyValues } from './facts';
import { shq } from '../ssh/shell';

export interface ClusterIdentity {
  cluster?: string;
  etcdClusterId?: string;
}

export async function readClusterIdentity(s: HostSession): Promise<ClusterIdentity> {
  const text = await s.probe(`cat ${CLUSTER_IDENTITY}`);
  if (text.code !== 0) return {};
  const kv = parseKeyValues(text.stdout);
  return { cluster: kv.cluster || undefined, etcdClusterId: kv['etcd-cluster-id'] || undefined };
}

const identityText = (id: ClusterIdentity) => `cluster=${id.cluster}\n${id.etcdClusterId ? `etcd-cluster-id=${id.etcdClusterId}\n` : ''}`;

async function writeClusterIdentity(s: HostSession, id: ClusterIdentity): Promise<void> {
  await s.sh(
    `mkdir -p "$(dirname ${CLUSTER_IDENTITY})" && printf %s ${shq(identityText(id))} > ${CLUSTER_IDENTITY}.tmp && mv ${CLUSTER_IDENTITY}.tmp ${CLUSTER_IDENTITY}`,
  );
}

/**
 * Takes the host for this cluster, or refuses it when another cluster's install marked it (unless
 * `up --force`). True when the mark was written now.
 */
export async function claimHost(s: HostSession, req: HostRequest): Promise<boolean> {
  const found = await readClusterIdentity(s);
  if (found.cluster === s.spec.name) return false;
  if (found.cluster && !req.options?.force)
    s.refuse(
      `${s.host.name} belongs to cluster "${found.cluster}"${found.etcdClusterId ? ` (etcd cluster ${found.etcdClusterId})` : ''} ` +
        `(${CLUSTER_IDENTITY}), not to ${s.spec.name}: nothing was changed. Free it with \`hakube reset -c ${found.cluster}\` ` +
        `(or \`hakube reset -f <its inventory>\`), or take it as it is with \`hakube up --force\`, which installs over ` +
        `whatever that cluster left (its kubeadm files, certificates and records) and may break both clusters`,
      'HostOfAnotherCluster',
    );
  if (found.cluster) s.log(`--force: taking ${s.host.name} from cluster "${found.cluster}"`);
  await writeClusterIdentity(s, { cluster: s.spec.name });
  return true;
}

/** Records the etcd cluster this master's member belongs to (after the etcd gate). True when it changed. */
export async function recordEtcdClusterId(s: HostSession, etcdClusterId: string): Promise<boolean> {
  const found = await readClusterIdentity(s);
  if (found.cluster === s.spec.name && found.etcdClusterId === etcdClusterId) return false;
  await writeClusterIdentity(s, { cluster: s.spec.name, etcdClusterId });
  return true;
}

/** `hakube reset`: the host is no cluster's any more. */
export async function releaseHost(s: HostSession): Promise<boolean> {
  if (!(await s.test(`test -e ${CLUSTER_IDENTITY}`))) return false;
  await s.sh(`rm -f ${CLUSTER_IDENTITY}`);
  return true;
}
