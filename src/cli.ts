// hakube command line. Every command validates the inventory before anything else happens.
import { Command, Option } from 'commander';
import { InventoryError } from './inventory/problems';
import { planCommand } from './cli/plan-command';
import { upCommand } from './cli/up-command';
import { kubeconfigCommand, type KubeconfigOptions } from './cli/kubeconfig-command';
import { resetCommand, type ResetOptions } from './cli/reset-command';
import { removeCommand, type RemoveOptions } from './cli/remove-command';
import { backupCommand, type BackupOptions } from './cli/backup-command';
import { restoreCommand, type RestoreOptions } from './cli/restore-command';
import { schedulesCommand } from './cli/schedules-command';
import { certsCheckCommand, type CertsOptions } from './cli/certs-command';
import { certsRenewCommand, type CertsRenewOptions } from './cli/certs-renew-command';
import { upgradeCommand, type UpgradeOptions } from './cli/upgrade-command';
import { serverStartCommand, serverStopCommand } from './cli/server-commands';
import { codecRotateCommand, codecServerCommand } from './cli/codec-commands';
import {
  abortCommand,
  approveCommand,
  retryCommand,
  statusCommand,
  workerCommand,
  type ClusterRef,
  type StatusOptions,
} from './cli/operator-commands';

const program = new Command();
program
  .name('hakube')
  .description('Install a highly-available Kubernetes cluster on Debian hosts over SSH, as a durable Temporal workflow.')
  .showHelpAfterError();

const inventoryOption = () => new Option('-f, --file <cluster.yaml>', 'the cluster inventory').makeOptionMandatory();

program
  .command('plan')
  .description('validate the inventory, render every file for every host and print the install DAG (no SSH, no Temporal)')
  .addOption(inventoryOption())
  .option('-o, --out <dir>', 'write the rendered files into DIR/<host>/<path> and the DAG into DIR/install-dag.mmd')
  .option('--mermaid <file>', 'write the DAG as a Mermaid graph into FILE')
  .action((opts: { file: string; out?: string; mermaid?: string }) => planCommand(opts));

program
  .command('up')
  .description('install the cluster: start (or attach to) its durable workflow, run a worker, show live progress')
  .addOption(inventoryOption())
  .option('--auto-approve-reboots', 'reboot without waiting for `hakube approve` (unattended runs)')
  .option('--detach', 'start or attach, print the Web UI link and return (a `hakube worker` must run somewhere)')
  .option('--only <phases>', 'run only these phases, comma-separated (see `hakube plan` for their ids)')
  .option('--full', 'run every step even when every host is as the last full install left it')
  .option(
    '--force',
    "take hosts that another cluster's install marked as its own (preflight refuses them otherwise): installs over what it left",
  )
  .action(
    async (opts: { file: string; autoApproveReboots?: boolean; detach?: boolean; only?: string; full?: boolean; force?: boolean }) => {
      process.exitCode = await upCommand(opts);
    },
  );

/** -c NAME (the inventory read back from the recorded install) or -f FILE: reset, remove, kubeconfig. */
const installedClusterOptions = (cmd: Command) =>
  cmd
    .option('-c, --cluster <name>', 'the cluster as installed (its inventory is read from the install recorded in Temporal)')
    .option('-f, --file <cluster.yaml>', 'or the inventory');
/** What every destructive operation takes besides its own options. */
const destructiveOptions = (cmd: Command) =>
  cmd
    .option('-y, --yes', "do not ask for the cluster's name (scripts)")
    .option('--detach', 'start or attach, print the Web UI link and return (a `hakube worker` must run somewhere)');

const reset = program
  .command('reset')
  .description(
    'undo the install on every host (or the hosts named): kubeadm reset, containers, CNI state, haproxy, etcd stopped, packages released',
  )
  .argument('[hosts...]', 'only these hosts');
destructiveOptions(installedClusterOptions(reset))
  .option('--wipe-etcd', "erase etcd's data on the masters (the cluster's state is lost)")
  .option('--purge', 'purge the Kubernetes packages, haproxy and etcd instead of only releasing their hold')
  .option('--force', 'reset some masters but not all (their etcd members stop while the cluster still counts them)')
  .action(async (hosts: string[], opts: ResetOptions) => {
    process.exitCode = await resetCommand(hosts, opts);
  });

const remove = program
  .command('remove')
  .description("hosts leave the running cluster: drained, etcd member removed, workers' haproxy reloaded, reset, Node deleted")
  .argument('<hosts...>', 'the hosts to remove');
destructiveOptions(installedClusterOptions(remove))
  .option('--force', 'remove even if fewer than 3 etcd members, or no quorum, would be left')
  .option('--unreachable', 'the hosts cannot be reached: only the cluster-side steps (etcd member, Node) run')
  .option('--drain-timeout <seconds>', 'how long evictions held back by PodDisruptionBudgets are retried', '300')
  .action(async (hosts: string[], opts: RemoveOptions) => {
    process.exitCode = await removeCommand(hosts, opts);
  });

installedClusterOptions(
  program
    .command('backup')
    .description("an etcd snapshot from a healthy member, checked, streamed into a directory on this machine (the worker's)"),
)
  .option('-o, --out <dir>', 'where to keep the snapshots (default: ~/.hakube/backups/<cluster>)')
  .option('--keep <n>', 'how many snapshots of the cluster the directory keeps (older ones removed)', '5')
  .option('--schedule <interval>', 'instead of one backup now: a Temporal Schedule, e.g. "every 12h" (needs `hakube worker` running)')
  .option('--detach', 'start, print the Web UI link and return (a `hakube worker` must run on this machine)')
  .action(async (opts: BackupOptions) => {
    process.exitCode = await backupCommand(opts);
  });

const certs = program.command('certs').description("the cluster's certificates");
installedClusterOptions(
  certs
    .command('check')
    .description(
      'every certificate kubeadm and hakube issued on every host (control plane, kubeconfigs, etcd, kubelets) with its days left',
    ),
)
  .option('--warn-days <n>', 'exit 1 when any certificate expires within N days', '30')
  .action(async (opts: CertsOptions) => {
    process.exitCode = await certsCheckCommand(opts);
  });
installedClusterOptions(
  certs
    .command('renew')
    .description(
      "renew etcd's certificates (from the etcd CA) and kubeadm's (kubeadm certs renew all), one master at a time, each restarted behind a health gate",
    ),
)
  .option('--within <days>', 'only certificates ending within DAYS (default: every one; with --schedule: 30)')
  .option('--approve', 'each master waits for `hakube approve` before anything due on it is renewed')
  .option('--schedule <interval>', 'instead of renewing now: a Temporal Schedule that checks and renews, e.g. "every 24h"')
  .option('--detach', 'start, print the Web UI link and return (a `hakube worker` must run on this machine)')
  .action(async (opts: CertsRenewOptions) => {
    process.exitCode = await certsRenewCommand(opts);
  });

installedClusterOptions(
  program
    .command('upgrade')
    .description(
      'upgrade Kubernetes as kubeadm documents it: etcd snapshot, first master `kubeadm upgrade apply`, the others `upgrade node`, workers in batches; every node drained, upgraded, uncordoned',
    ),
)
  .requiredOption('--to <version>', 'the exact version, e.g. 1.37.2 (one minor at a time)')
  .option('--batch <n|percent>', 'workers upgraded at once: a number, or a share such as 20%', '1')
  .option('--approve-batches', 'each batch of workers waits for `hakube approve` before it is drained')
  .option('--drain-timeout <seconds>', 'how long evictions held back by PodDisruptionBudgets are retried', '300')
  .option('-o, --out <dir>', 'where the snapshot taken first goes (default: ~/.hakube/backups/<cluster>)')
  .option('--keep <n>', 'how many snapshots of the cluster the directory keeps', '5')
  .option('--detach', 'start, print the Web UI link and return (a `hakube worker` must run on this machine)')
  .action(async (opts: UpgradeOptions) => {
    process.exitCode = await upgradeCommand(opts);
  });

const restore = program
  .command('restore')
  .description('put the cluster state back from an etcd snapshot: API servers stopped, every member restored, all started again');
destructiveOptions(installedClusterOptions(restore))
  .requiredOption('--from <file>', 'the snapshot (as `hakube backup` wrote it; its .sha256 beside it is checked)')
  .action(async (opts: RestoreOptions) => {
    process.exitCode = await restoreCommand(opts);
  });

installedClusterOptions(
  program
    .command('kubeconfig')
    .description('copy the admin kubeconfig from the first master into a 0600 file (over SSH, never through Temporal)'),
)
  .option('-o, --out <file>', 'where to write it (default: ./<cluster>.kubeconfig)')
  .option('--server <url>', 'API server URL to put in it (default: https://<controlPlaneEndpoint>)')
  .option('--user <name>', 'instead: a personal client certificate for NAME (kubeadm kubeconfig user), so admins stop sharing admin.conf')
  .option('--group <group...>', "the personal certificate's groups (e.g. kubeadm:cluster-admins)")
  .option('--ttl <duration>', 'validity of the personal certificate', '24h')
  .action(async (opts: KubeconfigOptions) => {
    process.exitCode = await kubeconfigCommand(opts);
  });

const clusterOptions = (cmd: Command) =>
  cmd
    .option('-c, --cluster <name>', 'cluster name (as in cluster.yaml)')
    .option('-f, --file <cluster.yaml>', 'or the inventory, to read the name from');

clusterOptions(
  program.command('schedules').description("the cluster's Temporal Schedules (backups, certificate renewal): interval, next and last runs"),
)
  .option('--delete', 'delete them')
  .action(async (opts: ClusterRef & { delete?: boolean }) => {
    process.exitCode = await schedulesCommand(opts);
  });

clusterOptions(program.command('status').description("the cluster's current (or last) operation: phases x hosts x state"))
  .option('--timing', 'where the time went instead: each phase and host, the slowest steps (like systemd-analyze blame)')
  .option('-o, --output <format>', '"json" for scripts (the progress, or with --timing the timings)')
  .action(async (opts: StatusOptions) => {
    process.exitCode = await statusCommand(opts);
  });

clusterOptions(
  program
    .command('approve')
    .description('approve what a host is waiting for (a reboot, a certificate renewal, an upgrade batch)')
    .argument('[hosts...]', 'host names'),
)
  .option('--all', 'every host waiting for an approval')
  .action(async (hosts: string[], opts: ClusterRef & { all?: boolean }) => {
    process.exitCode = await approveCommand(opts, hosts, opts.all);
  });

clusterOptions(
  program.command('retry').description('resume hosts paused after a failure (fix the host first)').argument('[hosts...]', 'host names'),
)
  .option('--all', 'every paused host')
  .action(async (hosts: string[], opts: ClusterRef & { all?: boolean }) => {
    process.exitCode = await retryCommand(opts, hosts, opts.all);
  });

clusterOptions(program.command('abort').description('stop the install and run every registered compensation, newest first')).action(
  async (opts: ClusterRef) => {
    process.exitCode = await abortCommand(opts);
  },
);

program
  .command('worker')
  .description('run a worker alone (e.g. on a host that reaches the machines), against TEMPORAL_ADDRESS or the embedded server')
  .action(async () => {
    process.exitCode = await workerCommand();
  });

const server = program.command('server').description('the embedded Temporal dev server, kept running between commands (Web UI on 8233)');
server
  .command('start')
  .description('start it in the background (state in ~/.hakube/temporal.sqlite); `hakube up` then uses it and leaves it running')
  .action(async () => {
    process.exitCode = await serverStartCommand();
  });
server
  .command('stop')
  .description('stop the one `hakube server start` started')
  .action(async () => {
    process.exitCode = await serverStopCommand();
  });

const codec = program
  .command('codec')
  .description('the AES-256-GCM keys that encrypt workflow history (HAKUBE_CODEC_KEYS, default ~/.hakube/codec-keys.json)');
codec
  .command('rotate')
  .description('add a new random key and make it current; older keys stay so older histories still decrypt')
  .action(() => {
    process.exitCode = codecRotateCommand();
  });
codec
  .command('server')
  .description('serve decryption to the Temporal Web UI on 127.0.0.1 (set the UI codec endpoint to it)')
  .option('--port <port>', 'port on 127.0.0.1 (default HAKUBE_CODEC_PORT or 8234)')
  .option('--ui-origin <url...>', 'origin(s) of the Web UI allowed to call it (default: the Web UI of the settings, http://localhost:8233)')
  .option('--namespace <ns>', 'the namespace whose payloads it decodes (default: TEMPORAL_NAMESPACE or the profile)')
  .action(async (opts: { port?: string; uiOrigin?: string[]; namespace?: string }) => {
    process.exitCode = await codecServerCommand(opts);
  });

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof InventoryError) {
      console.error(err.message);
      process.exitCode = 2;
    } else {
      console.error(`hakube: ${(err as Error).message}`);
      process.exitCode = 1;
    }
  }
}

void main();
