// A corpus of bad inventories: each one edit of the example, each refused before any host is touched
// with the field it names. Many are injection attempts: a value that would add a line to a root-owned
// file, an option to apt or a key to a compose service must never be accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { parseDocument } from 'yaml';
import { parseInventory } from '../../src/inventory/load';
import { InventoryError } from '../../src/inventory/problems';
import { EXAMPLE } from '../helpers/inventory';

type Path = (string | number)[];
const CASES: [string, Path, unknown][] = [
  // etcd: values that reach etcd.env, the unit and the compose file
  ['etcd.clusterToken', ['etcd', 'clusterToken'], 'token\nETCD_INITIAL_CLUSTER_STATE=existing'],
  ['etcd.clusterToken', ['etcd', 'clusterToken'], 'short'],
  ['etcd.clusterToken', ['etcd', 'clusterToken'], 'has space token'],
  ['etcd.clusterToken', ['etcd', 'clusterToken'], 'quote"token1'],
  ['etcd.binary', ['etcd', 'binary'], '/usr/bin/etcd --enable-pprof'],
  ['etcd.binary', ['etcd', 'binary'], 'etcd'],
  ['etcd.binary', ['etcd', 'binary'], '/bin/sh -c "curl x|sh"'],
  ['etcd.binary', ['etcd', 'binary'], '/usr/bin/etcd\nExecStartPre=/bin/true'],
  ['etcd.package', ['etcd', 'package'], '-oDPkg::Pre-Invoke::=touch /tmp/x'],
  ['etcd.package', ['etcd', 'package'], 'etcd-server; rm -rf /'],
  ['etcd.package', ['etcd', 'package'], 'Etcd-Server'],
  ['etcd.image', ['etcd', 'image'], 'quay.io/coreos/etcd:v3.5.21\n    privileged: true'],
  ['etcd.image', ['etcd', 'image'], 'quay.io/coreos/etcd:v3.5.21 --privileged'],
  ['etcd.image', ['etcd', 'image'], 'Quay.io/Etcd'],
  ['etcd.image', ['etcd', 'image'], ''],
  ['etcd.mode', ['etcd', 'mode'], 'kubernetes'],
  ['etcd.imageArchiveUrl', ['etcd', 'imageArchiveUrl'], 'file:///srv/etcd.tar'],
  ['etcd.imageArchiveUrl', ['etcd', 'imageArchiveUrl'], 'http://mirror.example/etcd.tar; rm -rf /'],
  ['etcd.imageArchiveSha256', ['etcd', 'imageArchiveSha256'], 'A'.repeat(64)],
  ['etcd.imageArchiveSha256', ['etcd', 'imageArchiveSha256'], 'a'.repeat(63) + ' '],
  // apt sources and packages
  ['packages.kubernetesRepoSuite', ['packages', 'kubernetesRepoSuite'], '/\nTrusted: yes'],
  ['packages.kubernetesRepoSuite', ['packages', 'kubernetesRepoSuite'], 'stable main'],
  ['packages.kubernetesPackageVersion', ['packages', 'kubernetesPackageVersion'], '1.37.1 --allow-downgrades'],
  ['packages.kubernetesPackageVersion', ['packages', 'kubernetesPackageVersion'], 'latest'],
  ['packages.kubernetesRepo', ['packages', 'kubernetesRepo'], 'https://user:secret@mirror.example/k8s/'],
  ['packages.kubernetesRepo', ['packages', 'kubernetesRepo'], 'ftp://mirror.example/k8s/'],
  ['packages.kubernetesRepo', ['packages', 'kubernetesRepo'], 'not a url'],
  ['packages.kubernetesRepoKey', ['packages', 'kubernetesRepoKey'], 'https://mirror.example/key"; rm -rf /'],
  ['packages.kubernetesRepoKey', ['packages', 'kubernetesRepoKey'], 'https://user@mirror.example/key.asc'],
  ['packages.dockerRepo', ['packages', 'dockerRepo'], 'file:///etc/passwd'],
  ['packages.debianMirror', ['packages', 'debianMirror'], 'http://mirror.example/debian\nTrusted: yes'],
  ['packages.containerd', ['packages', 'containerd'], 'apt'],
  ['packages.debianRelease', ['packages', 'debianRelease'], 'buster'],
  ['cni.manifestUrl', ['cni', 'manifestUrl'], 'https://a:b@example.com/calico.yaml'],
  // pins of downloads: a sha256 as sha256sum prints it, a 40-digit fingerprint; an override needs its pin
  ['cni.manifestSha256', ['cni', 'manifestUrl'], 'https://mirror.example/calico.yaml'],
  ['packages.dockerRepoKeyFingerprint', ['packages', 'dockerRepoKey'], 'https://mirror.example/docker.gpg'],
  ['cni.manifestSha256', ['cni', 'manifestSha256'], 'A1DF919D9721CF667ACCDC3E72848911B0CB25CFAB7D2478AD0C996302C95744'],
  ['cni.manifestSha256', ['cni', 'manifestSha256'], 'a1df919d'],
  ['cni.operatorSha256', ['cni', 'operatorSha256'], 'sha256:a1df919d9721cf667accdc3e72848911b0cb25cfab7d2478ad0c996302c95744'],
  ['ingress.manifestSha256', ['ingress', 'manifestSha256'], 'a1df919d9721cf667accdc3e72848911b0cb25cfab7d2478ad0c996302c95744\n'],
  ['dashboard.manifestSha256', ['dashboard', 'manifestSha256'], 'Unpinned'],
  ['dashboard.manifestSha256', ['dashboard', 'manifestSha256'], ''],
  ['packages.kubernetesRepoKeyFingerprint', ['packages', 'kubernetesRepoKeyFingerprint'], '234654DA9A296436'],
  ['packages.kubernetesRepoKeyFingerprint', ['packages', 'kubernetesRepoKeyFingerprint'], '0xDE15B14486CD377B9E876E1A234654DA9A296436'],
  ['packages.dockerRepoKeyFingerprint', ['packages', 'dockerRepoKeyFingerprint'], '9DC8 5822 9FC7 DD38 854A\nE2D8 8D81 803C 0EBF CD88'],
  ['packages.dockerRepoKeyFingerprint', ['packages', 'dockerRepoKeyFingerprint'], '9DC858229FC7DD38854AE2D88D81803C0EBFCDXX'],
  ['ingress.manifestUrl', ['ingress', 'manifestUrl'], 'javascript:alert(1)'],
  ['dashboard.manifestUrl', ['dashboard', 'manifestUrl'], 'https://example.com/a b.yaml'],
  // hosts
  ['hosts[0].address', ['hosts', 0, 'address'], '127.0.0.1'],
  ['hosts[0].address', ['hosts', 0, 'address'], '0.0.0.0'],
  ['hosts[0].address', ['hosts', 0, 'address'], '255.255.255.255'],
  ['hosts[0].address', ['hosts', 0, 'address'], '224.0.0.1'],
  ['hosts[0].address', ['hosts', 0, 'address'], '169.254.1.1'],
  ['hosts[0].address', ['hosts', 0, 'address'], '10.73.71.256'],
  ['hosts[0].address', ['hosts', 0, 'address'], 'master01.example'],
  ['hosts[1].name', ['hosts', 1, 'name'], 'Master02'],
  ['hosts[1].name', ['hosts', 1, 'name'], 'master 02'],
  ['hosts[1].name', ['hosts', 1, 'name'], 'master01'],
  ['hosts[1].role', ['hosts', 1, 'role'], 'controller'],
  ['hosts[2].interface', ['hosts', 2, 'interface'], 'eth0; reboot'],
  ['hosts[2].interface', ['hosts', 2, 'interface'], 'a-very-long-interface-name'],
  ['hosts[3].ssh.port', ['hosts', 3, 'ssh', 'port'], 0],
  ['hosts[3].ssh.port', ['hosts', 3, 'ssh', 'port'], 70000],
  // ssh
  ['ssh.user', ['ssh', 'user'], 'root; rm -rf /'],
  ['ssh.user', ['ssh', 'user'], 'ad min'],
  ['ssh.user', ['ssh', 'user'], '-oProxyCommand=x'],
  ['ssh.user', ['ssh', 'user'], 'Admin'],
  ['ssh.usr', ['ssh', 'usr'], 'admin'],
  ['knownHostsFile', ['knownHostsFile'], '/dev/null'],
  ['ssh.strictHostKeyChecking', ['ssh', 'strictHostKeyChecking'], 'yes'],
  // network and endpoints
  ['controlPlaneEndpoint', ['controlPlaneEndpoint'], '10.73.71.25:0'],
  ['controlPlaneEndpoint', ['controlPlaneEndpoint'], '10.73.71.25:99999'],
  ['controlPlaneEndpoint', ['controlPlaneEndpoint'], 'https://10.73.71.25:6443'],
  ['network.serviceSubnet', ['network', 'serviceSubnet'], '10.0.0.0/8'],
  ['network.serviceSubnet', ['network', 'serviceSubnet'], '10.96.0.0/28'],
  ['network.podSubnet', ['network', 'podSubnet'], '192.168.0.0/28'],
  ['network.podSubnet', ['network', 'podSubnet'], '192.168.0.0/24'],
  ['network.podSubnet', ['network', 'podSubnet'], '192.168.0.0'],
  ['network.serviceSubnet', ['network', 'serviceSubnet'], '192.168.0.0/16'],
  ['network.interface', ['network', 'interface'], 'eth0\nx'],
  // add-ons and versions
  ['dashboard.nodePort', ['dashboard', 'nodePort'], 80],
  ['dashboard.nodePort', ['dashboard', 'nodePort'], 40000],
  ['ingress.httpNodePort', ['ingress', 'httpNodePort'], 443],
  ['ingress.controller', ['ingress', 'controller'], 'traefik'],
  ['dashboard.kind', ['dashboard', 'kind'], 'lens'],
  ['kubernetesVersion', ['kubernetesVersion'], '1.30'],
  ['kubernetesVersion', ['kubernetesVersion'], 'v1.37'],
  ['kernel.minVersion', ['kernel', 'minVersion'], '4.18; reboot'],
  ['name', ['name'], 'My Cluster'],
];

const example = fs.readFileSync(EXAMPLE, 'utf8');

test(`a corpus of ${CASES.length} bad inventories: each refused, naming its field, with long values cut`, () => {
  assert.ok(CASES.length >= 60);
  for (const [field, at, value] of CASES) {
    const doc = parseDocument(example);
    doc.setIn(at, value);
    let error: unknown;
    try {
      parseInventory(doc.toString(), 'cluster.yaml', { requireKeyFiles: false });
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof InventoryError, `${field} = ${JSON.stringify(value)} was accepted (or crashed: ${String(error)})`);
    assert.ok(
      error.problems.some((p) => p.field === field),
      `${field} = ${JSON.stringify(value)}: refused, but naming ${error.problems.map((p) => p.field).join(', ')}`,
    );
  }
});

test('a huge value is cut in the message; alias bombs and huge files are refused naming the place', () => {
  const doc = parseDocument(example);
  doc.setIn(['etcd', 'clusterToken'], 'x'.repeat(100_000) + '\n');
  const err = (() => {
    try {
      parseInventory(doc.toString(), 'cluster.yaml', { requireKeyFiles: false });
    } catch (e) {
      return e as InventoryError;
    }
  })();
  assert.ok(err instanceof InventoryError);
  assert.ok(err.message.length < 1000, `message of ${err.message.length} characters`);
  assert.match(err.message, /etcd\.clusterToken = "x{20,}\.\.\. \(100004 characters\)/);

  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 10; i++)
    bomb.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(',')}]`,
    );
  assert.throws(
    () => parseInventory(bomb.join('\n'), 'bomb.yaml', { requireKeyFiles: false }),
    (e: Error) => e instanceof InventoryError && /\(YAML aliases\)/.test(e.message),
  );
  assert.throws(
    () => parseInventory(`name: x\n# ${'y'.repeat(2 << 20)}\n`, 'big.yaml', { requireKeyFiles: false }),
    (e: Error) => e instanceof InventoryError && /\(file\).*bytes/.test(e.message),
  );
});
