// hakube reset -c NAME | -f cluster.yaml [HOST...] [--wipe-etcd] [--purge] [--yes]: every host (or the
// ones named) back to before the install, as the reset workflow (phases/reset.ts), after the operator
// typed the cluster's name.
import { loadInventory } from '../inventory/load';
import type { ClusterSpec } from '../inventory/spec';
import { recordedSpec } from '../temporal/client';
import { etcdDataDir } from '../contracts/remote-files';
import { runOperation } from './operation-runner';
import { confirmByName } from './confirm';
import { resultSummary } from './progress-view';

export interface ResetOptions {
  cluster?: string;
  file?: string;
  wipeEtcd?: boolean;
  purge?: boolean;
  yes?: boolean;
  force?: boolean;
  detach?: boolean;
}

export async function resetCommand(hosts: string[], options: ResetOptions): Promise<number> {
  if (!options.cluster === !options.file) throw new Error('say which cluster: -c NAME (as installed) or -f cluster.yaml');
  const fromFile = options.file ? checked(loadInventory(options.file, { requireKeyFiles: true }).spec, hosts, options) : undefined;
  // With the inventory at hand, the question comes before anything starts; with -c, once it is read back.
  if (fromFile && !(await confirm(fromFile, hosts, options))) return 1;
  let spec: ClusterSpec | undefined = fromFile;
  return runOperation(async (session) => (spec ??= checked(await recordedSpec(session.client, options.cluster!), hosts, options)), {
    operation: 'reset',
    ...(hosts.length && { hosts }),
    options: { wipeEtcd: !!options.wipeEtcd, purge: !!options.purge },
    detach: options.detach,
    beforeStart: fromFile ? undefined : async () => ((await confirm(spec!, hosts, options)) ? undefined : 1),
    onCompleted(result, link) {
      console.log(`\nCluster ${spec!.name} reset.\n${resultSummary(result)}`);
      console.log('`hakube up -f cluster.yaml` installs it again on the same hosts.');
      if (link) console.log(`history: ${link}`);
    },
  });
}

function checked(spec: ClusterSpec, hosts: string[], options: ResetOptions): ClusterSpec {
  const unknown = hosts.filter((h) => !spec.hosts.some((x) => x.name === h));
  if (unknown.length)
    throw new Error(`${unknown.join(', ')}: not a host of cluster ${spec.name} (its hosts: ${spec.hosts.map((h) => h.name).join(', ')})`);
  // Some masters but not all: their etcd members stop (or are erased) while still members of a running cluster.
  const masters = hosts.filter((h) => spec.masters.includes(h));
  if (masters.length && masters.length < spec.masters.length && !options.force)
    throw new Error(
      `resetting ${masters.join(', ')} but not every master stops etcd members the running cluster still counts on ` +
        `(two of three: no quorum). To take masters out of a running cluster use \`hakube remove ${masters.join(' ')}\`; --force resets them anyway`,
    );
  return spec;
}

/** Says what the reset will do on which host, then asks for the cluster's name (unless --yes). */
function confirm(spec: ClusterSpec, hosts: string[], options: ResetOptions): Promise<boolean> {
  const targets = hosts.length ? hosts : spec.hosts.map((h) => h.name);
  const masters = targets.filter((h) => spec.masters.includes(h));
  const etcdLine = options.wipeEtcd
    ? `; its data (${etcdDataDir(spec.name)}) ERASED: the cluster's state is lost`
    : ' (its data kept; --wipe-etcd erases it)';
  return confirmByName(
    spec.name,
    [
      `hakube reset of cluster ${spec.name} on ${targets.join(', ')}:`,
      '  kubeadm reset, containers removed through the CRI, CNI configuration, Calico interfaces and iptables rules removed',
      `  haproxy stopped and its config removed on the workers${options.purge ? ', then purged' : ''}`,
      masters.length ? `  etcd stopped on ${masters.join(', ')}${etcdLine}` : '',
      `  Kubernetes packages ${options.purge ? 'PURGED' : 'released from their hold (--purge removes them)'}; the container runtime stays`,
    ].filter(Boolean),
    options.yes,
  );
}
