// How a command names its cluster: -c NAME (as installed: the inventory is read back from the install
// recorded in Temporal) or -f cluster.yaml.
import { loadInventory } from '../inventory/load';
import type { ClusterSpec } from '../inventory/spec';
import { recordedSpec } from '../temporal/client';
import { openSession } from './session';

export interface ClusterRef {
  file?: string;
  cluster?: string;
}

export function clusterName(ref: ClusterRef): string {
  if (ref.cluster) return ref.cluster;
  if (ref.file) return loadInventory(ref.file, { requireKeyFiles: false }).spec.name;
  throw new Error('say which cluster: -c NAME or -f cluster.yaml');
}

/** The cluster's inventory: the file's, or the one its install was last started with. */
export async function clusterSpec(ref: ClusterRef): Promise<ClusterSpec> {
  if (ref.file) return loadInventory(ref.file, { requireKeyFiles: true }).spec;
  if (!ref.cluster) throw new Error('say which cluster: -c NAME or -f cluster.yaml');
  const session = await openSession({ startServer: false });
  try {
    return await recordedSpec(session.client, ref.cluster);
  } finally {
    await session.close();
  }
}
