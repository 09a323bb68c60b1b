// Choices the inventory allows but the operator must know the cost of: shown by `hakube plan` and
// again by `hakube up` before anything runs, from this one list.
import type { ClusterSpec } from './spec';
import { unpinnedWarnings } from './pins';

export function inventoryAdvisories(spec: ClusterSpec): string[] {
  const advisories: string[] = [];
  if (!spec.etcd.tls)
    advisories.push(
      'etcd.tls = false: etcd serves plain HTTP with no client authentication on the masters; anyone who reaches port 2379 reads and writes every Secret of the cluster. Keep it for a lab that follows the article only.',
    );
  if (spec.packages.containerd === 'debian')
    advisories.push(
      `packages.containerd = "debian": Debian ships containerd 1.6/1.7, Kubernetes ${spec.kubernetes.minor} needs ${spec.packages.minimumContainerd}+; preflight will check the installed version`,
    );
  advisories.push(...unpinnedWarnings(spec));
  return advisories;
}
