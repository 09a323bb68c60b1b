import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { loadInventory } from '../../src/inventory/load';
import { InventoryError, formatProblem } from '../../src/inventory/problems';
import { writeInventory } from '../helpers/inventory';

/** Loads an edited example and returns the formatted problems (fails if it loads). */
function problemsOf(edit: Parameters<typeof writeInventory>[0]): string[] {
  const file = writeInventory(edit);
  try {
    loadInventory(file, { requireKeyFiles: true });
  } catch (err) {
    assert.ok(err instanceof InventoryError, `expected InventoryError, got ${err}`);
    return err.problems.map(formatProblem);
  }
  assert.fail('the inventory was accepted');
}

function assertProblem(problems: string[], ...fragments: string[]): void {
  assert.ok(
    problems.some((p) => fragments.every((f) => p.includes(f))),
    `no problem mentions ${fragments.map((f) => JSON.stringify(f)).join(' and ')}; got:\n${problems.join('\n')}`,
  );
}

test('the example inventory is valid and resolves the article topology', () => {
  const { spec } = loadInventory(writeInventory(), { requireKeyFiles: true });
  assert.deepEqual(spec.masters, ['master01', 'master02', 'master03']);
  assert.deepEqual(spec.workers, ['worknode01', 'worknode02', 'worknode03']);
  assert.equal(spec.firstMaster, 'master01');
  assert.equal(spec.controlPlaneEndpoint.value, '10.73.71.25:6443');
  assert.equal(spec.kubernetes.version, '1.37');
  assert.equal(spec.packages.kubernetesRepo, 'https://pkgs.k8s.io/core:/stable:/v1.37/deb/');
  assert.deepEqual(spec.etcd.endpoints, ['https://10.73.71.25:2379', 'https://10.73.71.26:2379', 'https://10.73.71.27:2379']);
  assert.equal(spec.hosts[0].ssh.user, 'root');
  assert.equal(spec.hosts[0].ssh.sudo, false);
  assert.equal(spec.network.calicoInterfaceRegex, 'ens19');
});

test('a missing host name is refused, naming the field', () => {
  assertProblem(
    problemsOf((d) => d.deleteIn(['hosts', 2, 'name'])),
    'hosts[2].name',
    'required',
  );
});

test('duplicate names and addresses are refused, naming both hosts', () => {
  const problems = problemsOf((d) => {
    d.setIn(['hosts', 4, 'name'], 'worknode01');
    d.setIn(['hosts', 5, 'address'], '10.73.71.25');
  });
  assertProblem(problems, 'hosts[4].name = "worknode01"', 'duplicate', 'hosts[3]');
  assertProblem(problems, 'hosts[5].address = "10.73.71.25"', 'duplicate', 'hosts[0]');
});

test('an invalid address is refused with its value', () => {
  assertProblem(
    problemsOf((d) => d.setIn(['hosts', 1, 'address'], '10.73.71.300')),
    'hosts[1].address = "10.73.71.300"',
    'IPv4',
  );
});

test('an even number of etcd members is refused', () => {
  assertProblem(
    problemsOf((d) => d.setIn(['hosts', 2, 'role'], 'worker')),
    'hosts = "2 masters"',
    'odd number',
  );
});

test('zero etcd members (no master) is refused', () => {
  assertProblem(
    problemsOf((d) => [0, 1, 2].forEach((i) => d.setIn(['hosts', i, 'role'], 'worker'))),
    'hosts',
    'no host has role: master',
  );
});

test('an etcd image archive needs its sha256, and a sha256 needs an archive', () => {
  assertProblem(
    problemsOf((d) => d.setIn(['etcd', 'imageArchiveUrl'], 'http://mirror.example/images/etcd.tar')),
    'etcd.imageArchiveSha256',
    'required with etcd.imageArchiveUrl',
  );
  assertProblem(
    problemsOf((d) => d.setIn(['etcd', 'imageArchiveSha256'], 'a'.repeat(64))),
    'etcd.imageArchiveUrl',
    'missing',
  );
  const { spec } = loadInventory(
    writeInventory((d) => {
      d.setIn(['etcd', 'mode'], 'docker-compose');
      d.setIn(['etcd', 'imageArchiveUrl'], 'http://mirror.example/images/etcd.tar');
      d.setIn(['etcd', 'imageArchiveSha256'], 'a'.repeat(64));
    }),
    { requireKeyFiles: true },
  );
  assert.equal(spec.etcd.imageArchiveUrl, 'http://mirror.example/images/etcd.tar');
});

test('overlapping pod and service networks are refused', () => {
  assertProblem(
    problemsOf((d) => d.setIn(['network', 'serviceSubnet'], '192.168.128.0/20')),
    'network.serviceSubnet = "192.168.128.0/20"',
    'overlaps network.podSubnet 192.168.0.0/16',
  );
});

test('a host network overlapping the pod network is refused (by host subnet and by address)', () => {
  const problems = problemsOf((d) => d.setIn(['network', 'podSubnet'], '10.73.0.0/16'));
  assertProblem(problems, 'network.hostSubnets[0] = "10.73.71.0/24"', 'podSubnet');
  assertProblem(problems, 'hosts[0].address = "10.73.71.25"', 'inside network.podSubnet');
});

test('unknown keys (typos) are refused with a suggestion', () => {
  const problems = problemsOf((d) => {
    d.setIn(['ssh', 'usr'], 'admin');
    d.setIn(['hosts', 0, 'adress'], '1.2.3.4');
  });
  assertProblem(problems, 'ssh.usr = "admin"', 'unknown key', 'did you mean "user"');
  assertProblem(problems, 'hosts[0].adress', 'unknown key', 'did you mean "address"');
});

test('a key file that does not exist is refused by up, only warned about by plan', () => {
  const file = writeInventory((d) => d.setIn(['hosts', 3, 'ssh'], { keyPath: '/nonexistent/id_ed25519' }));
  assert.throws(
    () => loadInventory(file, { requireKeyFiles: true }),
    (err: unknown) => err instanceof InventoryError && /"\/nonexistent\/id_ed25519".*worknode01 does not exist/.test(err.message),
  );
  const { warnings } = loadInventory(file, { requireKeyFiles: false });
  assert.equal(warnings.length, 1);
});

test('an unsupported Kubernetes version is refused, listing the supported ones', () => {
  assertProblem(
    problemsOf((d) => d.setIn(['kubernetesVersion'], '1.15')),
    'kubernetesVersion = "1.15"',
    'not supported',
    '1.37',
  );
});

test('choices not implemented yet are refused before any host is touched', () => {
  const problems = problemsOf((d) => {
    d.setIn(['packages', 'containerd'], 'tarball');
  });
  assertProblem(problems, 'packages.containerd = "tarball"', 'not implemented yet');
});

test('several problems are all reported at once', () => {
  const problems = problemsOf((d) => {
    d.setIn(['hosts', 0, 'address'], 'nope');
    d.setIn(['etcd', 'mode'], 'kubernetes');
    d.setIn(['dashboard', 'nodePort'], 70000);
  });
  assert.ok(problems.length >= 3, problems.join('\n'));
  assertProblem(problems, 'etcd.mode = "kubernetes"');
  assertProblem(problems, 'dashboard.nodePort = 70000');
});

test('broken YAML is refused with its line', () => {
  const file = writeInventory();
  fs.appendFileSync(file, 'hosts: [\n');
  assert.throws(() => loadInventory(file, { requireKeyFiles: true }), /YAML line \d+/);
});

test('the published JSON Schema is current', async () => {
  const { inventoryJsonSchema } = await import('../../src/inventory/json-schema');
  const published = JSON.parse(fs.readFileSync(`${__dirname}/../../schema/cluster.schema.json`, 'utf8'));
  assert.deepEqual(published, JSON.parse(JSON.stringify(inventoryJsonSchema())), 'run `npm run schema`');
});
