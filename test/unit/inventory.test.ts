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

test('containerd from release tarballs: both downloads named, each with its sha256', () => {
  const missing = problemsOf((d) => {
    d.setIn(['packages', 'containerd'], 'tarball');
  });
  assertProblem(missing, 'packages.containerdTarballUrl', 'set packages.containerdTarballUrl');
  assertProblem(missing, 'packages.runcUrl', 'set packages.runcUrl');
  const unpinned = problemsOf((d) => {
    d.setIn(['packages', 'containerd'], 'tarball');
    d.setIn(['packages', 'containerdTarballUrl'], 'https://mirror.example.net/containerd-2.3.7-linux-amd64.tar.gz');
    d.setIn(['packages', 'runcUrl'], 'https://mirror.example.net/runc.amd64');
  });
  assertProblem(unpinned, 'packages.containerdTarballSha256');
  assertProblem(unpinned, 'packages.runcSha256');
  const file = writeInventory((d) => {
    d.setIn(['packages', 'containerd'], 'tarball');
    d.setIn(['packages', 'containerdTarballUrl'], 'https://mirror.example.net/containerd-2.3.7-linux-amd64.tar.gz');
    d.setIn(['packages', 'containerdTarballSha256'], 'a'.repeat(64));
    d.setIn(['packages', 'runcUrl'], 'https://mirror.example.net/runc.amd64');
    d.setIn(['packages', 'runcSha256'], 'b'.repeat(64));
  });
  const { spec } = loadInventory(file, { requireKeyFiles: true });
  assert.deepEqual(spec.packages.runc, {
    url: 'https://mirror.example.net/runc.amd64',
    sha256: 'b'.repeat(64),
    field: 'packages.runcSha256',
  });
  assert.equal(spec.packages.containerdTarball?.sha256, 'a'.repeat(64));
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

// Pinned downloads: the defaults come pinned; an override brings its own pin or says "unpinned".
const loaded = (edit: Parameters<typeof writeInventory>[0]) => loadInventory(writeInventory(edit), { requireKeyFiles: true }).spec;
const HEX = (c: string) => c.repeat(64);

test('the defaults carry the pinned releases: manifests with their sha256, apt keys with their fingerprint', () => {
  const spec = loaded(() => {});
  assert.deepEqual(spec.cni.manifest, {
    url: 'https://raw.githubusercontent.com/projectcalico/calico/v3.32.1/manifests/calico.yaml',
    sha256: 'a1df919d9721cf667accdc3e72848911b0cb25cfab7d2478ad0c996302c95744',
    field: 'cni.manifestSha256',
  });
  assert.equal(spec.cni.operator.url, 'https://raw.githubusercontent.com/projectcalico/calico/v3.32.1/manifests/tigera-operator.yaml');
  assert.equal(spec.cni.operator.sha256, 'f18e073794207d372606bc3ea6f8fd73972f86d6828f4ba666dfe0d4aa8ab07f');
  assert.equal(spec.cni.operatorCrds.url, 'https://raw.githubusercontent.com/projectcalico/calico/v3.32.1/manifests/operator-crds.yaml');
  assert.equal(spec.cni.operatorCrds.sha256, '192f8b2d934ef24b62e86b7e1a6e1762d1c8af26a916f78057bc13fa5ed60f71');
  assert.match(
    spec.ingress.manifest.url,
    /\/kubernetes\/ingress-nginx\/dbb11b92ddb77bee9c35e462479129354c84f939\/deploy\/static\/provider\/baremetal/,
  );
  assert.equal(spec.ingress.manifest.sha256, '16b9b62df45b8ed8f1ecaed0341d583b3360e4b63c41fe00413f6a1fa2f95bec');
  assert.equal(spec.dashboard.manifest.url, 'https://raw.githubusercontent.com/kubernetes/dashboard/v2.7.0/aio/deploy/recommended.yaml');
  assert.equal(spec.dashboard.manifest.sha256, '943ae40251f1ba64ef012c53271bf6766d1883dd024093e854567b56443764b8');
  assert.deepEqual(spec.packages.kubernetesRepoKey, {
    url: 'https://pkgs.k8s.io/core:/stable:/v1.37/deb/Release.key',
    fingerprint: 'DE15B14486CD377B9E876E1A234654DA9A296436',
    field: 'packages.kubernetesRepoKeyFingerprint',
  });
  assert.deepEqual(spec.packages.dockerRepoKey, {
    url: 'https://download.docker.com/linux/debian/gpg',
    fingerprint: '9DC858229FC7DD38854AE2D88D81803C0EBFCD88',
    field: 'packages.dockerRepoKeyFingerprint',
  });
  const other = loaded((d) => {
    d.setIn(['ingress', 'controller'], 'contour');
    d.setIn(['dashboard', 'kind'], 'headlamp');
  });
  assert.deepEqual(other.ingress.manifest, {
    url: 'https://raw.githubusercontent.com/projectcontour/contour/v1.33.6/examples/render/contour.yaml',
    sha256: '1d2e45c4bb31bea93085231d9b50e2c95ad92432253872b683e672eb7cecbbd8',
    field: 'ingress.manifestSha256',
  });
  assert.deepEqual(other.dashboard.manifest, {
    url: 'https://raw.githubusercontent.com/kubernetes-sigs/headlamp/v0.45.0/kubernetes-headlamp.yaml',
    sha256: '9a893b6ce1f14660f76c5d79848e64979944125406e762f76278143cd2b863a2',
    field: 'dashboard.manifestSha256',
  });
  for (const d of [
    spec.cni.manifest,
    spec.cni.operatorCrds,
    spec.cni.operator,
    spec.ingress.manifest,
    spec.dashboard.manifest,
    other.ingress.manifest,
  ])
    assert.match(
      d.url,
      /^https:\/\/raw\.githubusercontent\.com\/[^/]+\/[^/]+\/(v\d|controller-v|[0-9a-f]{40})/,
      `${d.url}: a release, not a branch`,
    );
});

test('an overridden URL without its sha256 or fingerprint is refused, naming the field and how to get it', () => {
  const problems = problemsOf((d) => {
    d.setIn(['cni', 'manifestUrl'], 'https://mirror.example/calico.yaml');
    d.setIn(['cni', 'operatorUrl'], 'https://mirror.example/tigera-operator.yaml');
    d.setIn(['cni', 'operatorCrdsUrl'], 'https://mirror.example/operator-crds.yaml');
    d.setIn(['ingress', 'manifestUrl'], 'https://mirror.example/ingress.yaml');
    d.setIn(['dashboard', 'manifestUrl'], 'https://mirror.example/dashboard.yaml');
    d.setIn(['packages', 'kubernetesRepoKey'], 'https://mirror.example/k8s/Release.key');
    d.setIn(['packages', 'dockerRepoKey'], 'https://mirror.example/docker/gpg');
  });
  assert.equal(problems.length, 7, problems.join('\n'));
  assertProblem(problems, 'cni.operatorCrdsSha256: is required', 'curl -fsSL https://mirror.example/operator-crds.yaml | sha256sum');
  assertProblem(
    problems,
    'cni.manifestSha256: is required when cni.manifestUrl is set',
    '`curl -fsSL https://mirror.example/calico.yaml | sha256sum`',
  );
  assertProblem(problems, 'cni.operatorSha256: is required', 'curl -fsSL https://mirror.example/tigera-operator.yaml | sha256sum');
  assertProblem(
    problems,
    'ingress.manifestSha256: is required',
    'curl -fsSL https://mirror.example/ingress.yaml | sha256sum',
    '"unpinned"',
  );
  assertProblem(problems, 'dashboard.manifestSha256: is required', 'curl -fsSL https://mirror.example/dashboard.yaml | sha256sum');
  assertProblem(problems, 'packages.kubernetesRepoKeyFingerprint: is required', 'gpg --show-keys --with-fingerprint');
  assertProblem(problems, 'packages.dockerRepoKeyFingerprint: is required when packages.dockerRepoKey is set');
});

test('an overridden URL with its pin is used with that pin; fingerprints lose their spaces and are upper-cased', () => {
  const spec = loaded((d) => {
    d.setIn(['ingress', 'manifestUrl'], 'http://mirror.example/ingress.yaml');
    d.setIn(['ingress', 'manifestSha256'], HEX('b'));
    d.setIn(['packages', 'dockerRepoKeyFingerprint'], '9dc8 5822 9fc7 dd38 854a  e2d8 8d81 803c 0ebf cd88');
  });
  assert.deepEqual(spec.ingress.manifest, { url: 'http://mirror.example/ingress.yaml', sha256: HEX('b'), field: 'ingress.manifestSha256' });
  assert.equal(spec.packages.dockerRepoKey.fingerprint, '9DC858229FC7DD38854AE2D88D81803C0EBFCD88');
});

test('a plain http key URL is accepted only with a fingerprint pinned (the lab mirror), never unpinned', () => {
  const http = 'http://10.213.71.1:8088/apt/key.asc';
  assertProblem(
    problemsOf((d) => d.setIn(['packages', 'kubernetesRepoKey'], http)),
    'packages.kubernetesRepoKeyFingerprint: is required when packages.kubernetesRepoKey is set',
  );
  assertProblem(
    problemsOf((d) => {
      d.setIn(['packages', 'kubernetesRepoKey'], http);
      d.setIn(['packages', 'kubernetesRepoKeyFingerprint'], 'unpinned');
    }),
    `packages.kubernetesRepoKey = "${http}": is plain http`,
    'unpinned',
  );
  assertProblem(
    problemsOf((d) => {
      d.setIn(['cni', 'manifestUrl'], 'http://mirror.example/calico.yaml');
      d.setIn(['cni', 'manifestSha256'], 'unpinned');
    }),
    'cni.manifestUrl = "http://mirror.example/calico.yaml": is plain http',
  );
  const spec = loaded((d) => {
    d.setIn(['packages', 'kubernetesRepoKey'], http);
    d.setIn(['packages', 'kubernetesRepoKeyFingerprint'], 'E279C3B831D7C8411D475E9D25846ACC27C3FCB5');
  });
  assert.equal(spec.packages.kubernetesRepoKey.url, http);
});

test('"unpinned" over https is accepted, listed as unchecked', async () => {
  const { unpinnedWarnings } = await import('../../src/inventory/pins');
  const spec = loaded((d) => {
    d.setIn(['dashboard', 'manifestUrl'], 'https://mirror.example/dashboard.yaml');
    d.setIn(['dashboard', 'manifestSha256'], 'unpinned');
  });
  assert.equal(spec.dashboard.manifest.sha256, 'unpinned');
  assert.deepEqual(unpinnedWarnings(spec), [
    'dashboard.manifestSha256 = "unpinned": the kubernetes-dashboard manifest from https://mirror.example/dashboard.yaml is used as downloaded, unchecked',
  ]);
  assert.deepEqual(unpinnedWarnings(loaded(() => {})), [], 'the defaults are all pinned');
});
