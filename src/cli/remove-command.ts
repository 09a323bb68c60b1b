// hakube remove HOST... -c NAME | -f cluster.yaml [--force] [--unreachable] [--drain-timeout S] [--yes]:
// hosts leave the running cluster (phases/remove.ts). The inventory stays the operator's: at the end
// hakube says which entries to delete, it never edits the file.
import { loadInventory } from '../inventory/load';
import type { ClusterSpec } from '../inventory/spec';
import { recordedSpec } from '../temporal/client';
import { drainTimeoutSeconds } from './drain-timeout';
import { runOperation } from './operation-runner';
import { confirmByName } from './confirm';
import { resultSummary } from './progress-view';

export interface RemoveOptions {
  cluster?: string;
  file?: string;
  force?: boolean;
  unreachable?: boolean;
  drainTimeout?: string;
  yes?: boolean;
  detach?: boolean;
}

export async function removeCommand(hosts: string[], options: RemoveOptions): Promise<number> {
  if (!options.cluster === !options.file) throw new Error('say which cluster: -c NAME (as installed) or -f cluster.yaml');
  if (!hosts.length) throw new Error('name the hosts to remove: hakube remove HOST... -c NAME');
  const drainTimeout = drainTimeoutSeconds(options.drainTimeout);
  const fromFile = options.file ? checked(loadInventory(options.file, { requireKeyFiles: true }).spec, hosts, options) : undefined;
  if (fromFile && !(await confirm(fromFile, hosts, options))) return 1;
  let spec: ClusterSpec | undefined = fromFile;
  return runOperation(async (session) => (spec ??= checked(await recordedSpec(session.client, options.cluster!), hosts, options)), {
    operation: 'remove',
    options: { removing: hosts, force: !!options.force, unreachable: !!options.unreachable, drainTimeoutSeconds: drainTimeout },
    detach: options.detach,
    beforeStart: fromFile ? undefined : async () => ((await confirm(spec!, hosts, options)) ? undefined : 1),
    onCompleted(result, link) {
      const s = spec!;
      console.log(`\n${hosts.join(', ')} removed from cluster ${s.name}.\n${resultSummary(result)}`);
      console.log(
        `\nNow delete ${hosts.length === 1 ? 'its entry' : 'their entries'} from ${options.file ?? 'the inventory'} ` +
          `(hosts: ${hosts.map((h) => `- { name: ${h}, ... }`).join(', ')}); hakube does not edit it, and a \`hakube up\` with ` +
          `${hosts.length === 1 ? 'it' : 'them'} still listed installs ${hosts.length === 1 ? 'it' : 'them'} again.`,
      );
      if (link) console.log(`history: ${link}`);
    },
  });
}

/** What can be refused from the inventory alone, before anything starts (etcd's live state is checked by the run). */
function checked(spec: ClusterSpec, hosts: string[], options: RemoveOptions): ClusterSpec {
  const unknown = hosts.filter((h) => !spec.hosts.some((x) => x.name === h));
  if (unknown.length)
    throw new Error(`${unknown.join(', ')}: not a host of cluster ${spec.name} (its hosts: ${spec.hosts.map((h) => h.name).join(', ')})`);
  if (hosts.includes(spec.firstMaster))
    throw new Error(`${spec.firstMaster} is the first master (it holds the etcd CA and runs hakube's kubectl steps): it cannot be removed`);
  const staying = spec.masters.filter((m) => !hosts.includes(m));
  if (staying.length < 3 && staying.length < spec.masters.length && !options.force)
    throw new Error(
      `removing ${hosts.filter((h) => spec.masters.includes(h)).join(', ')} leaves ${staying.length} master(s) and etcd member(s): ` +
        'fewer than 3 survive no failure. Nothing was changed; add --force to remove anyway',
    );
  return spec;
}

function confirm(spec: ClusterSpec, hosts: string[], options: RemoveOptions): Promise<boolean> {
  const masters = hosts.filter((h) => spec.masters.includes(h));
  return confirmByName(
    spec.name,
    [
      `hakube remove from cluster ${spec.name}: ${hosts.join(', ')}`,
      options.unreachable
        ? '  --unreachable: nothing runs on them; their Nodes are deleted (their pods are recreated elsewhere by their controllers)'
        : '  their Nodes cordoned and drained (PodDisruptionBudgets respected), then each host reset (kubeadm reset, CNI state, haproxy, packages released)',
      masters.length
        ? `  etcd members removed: ${masters.join(', ')} (their data erased); every worker's haproxy reloaded without them`
        : '',
      options.force ? '  --force: a removal leaving fewer than 3 etcd members or no quorum goes ahead' : '',
    ].filter(Boolean),
    options.yes,
  );
}
