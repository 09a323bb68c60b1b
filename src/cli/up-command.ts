// hakube up -f cluster.yaml: validate, then run (or attach to) the install and show live progress.
import { loadInventory } from '../inventory/load';
import { inventoryAdvisories } from '../inventory/advisories';
import { INSTALL } from '../workflows/operations';
import { HOST_PATHS } from '../contracts/remote-files';
import { resultSummary } from './progress-view';
import { runOperation } from './operation-runner';

export interface UpOptions {
  file: string;
  autoApproveReboots?: boolean;
  /** Start (or attach) and return without running a worker or waiting. */
  detach?: boolean;
  only?: string;
  /** Every step, even when the last full install's record still holds on every host. */
  full?: boolean;
  /** Take hosts another cluster's install marked (cluster-identity). */
  force?: boolean;
}

export async function upCommand(options: UpOptions): Promise<number> {
  const { spec } = loadInventory(options.file, { requireKeyFiles: true });
  for (const advisory of inventoryAdvisories(spec)) console.warn(`warning: ${advisory}`);
  const onlyPhases = options.only ? parseOnly(options.only) : undefined;
  return runOperation(spec, {
    operation: 'install',
    autoApproveReboots: options.autoApproveReboots,
    onlyPhases,
    ...(options.full && { full: true }),
    ...(options.force && { options: { force: true } }),
    detach: options.detach,
    onCompleted(result, link) {
      console.log(`\nCluster ${spec.name} installed.\n${resultSummary(result)}`);
      const first = spec.hosts.find((h) => h.name === spec.firstMaster)!;
      const ran = (id: string) => result.phases.some((p) => p.id === id);
      const adminConf = HOST_PATHS['admin-conf'];
      if (ran('init-first-master'))
        console.log(
          `\nkubeconfig: ${adminConf} on ${first.name}; copy it (0600, server ${spec.controlPlaneEndpoint.value}) with\n  hakube kubeconfig -f ${options.file}   (then KUBECONFIG=./${spec.name}.kubeconfig)`,
        );
      if (ran('dashboard'))
        console.log(
          `dashboard: ${spec.dashboard.scheme}://${first.address}:${spec.dashboard.nodePort}  ` +
            `token: ssh ${first.ssh.user}@${first.address} kubectl --kubeconfig ${adminConf} -n ${spec.dashboard.namespace} create token admin-user`,
        );
      if (link) console.log(`history: ${link}`);
    },
  });
}

function parseOnly(text: string): string[] {
  const ids = text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const unknown = ids.filter((id) => !INSTALL.some((p) => p.id === id));
  if (unknown.length) throw new Error(`--only: unknown phase ${unknown.join(', ')}; phases are ${INSTALL.map((p) => p.id).join(', ')}`);
  return ids;
}
