import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLE, tempDir, writeInventory } from '../helpers/inventory';

const BIN = path.resolve(__dirname, '../../bin/hakube');
const run = (...args: string[]) => spawnSync(BIN, args, { encoding: 'utf8', env: { ...process.env, TEMPORAL_ADDRESS: '' } });

test('hakube plan on the example prints the DAG in article order and renders every host', () => {
  const out = tempDir('hakube-plan-');
  const r = run('plan', '-f', EXAMPLE, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const order = [
    'Preflight',
    'Container runtime',
    'kubelet, kubeadm',
    'External etcd',
    'kubeadm init',
    'Calico',
    'Second and third masters',
    'Workers: kubeadm join',
    'haproxy on every worker',
    'HA check',
    'Ingress',
    'Dashboard',
  ];
  const positions = order.map((t) => r.stdout.indexOf(t));
  assert.ok(
    positions.every((p) => p >= 0),
    `missing phases in:\n${r.stdout}`,
  );
  assert.deepEqual(
    [...positions].sort((a, b) => a - b),
    positions,
    'phases out of article order',
  );
  assert.match(r.stdout, /one at a time: master02 -> master03/);
  assert.match(r.stdout, /in parallel on worknode01, worknode02, worknode03/);
  assert.match(r.stdout, /WAITS FOR APPROVAL/);
  assert.match(
    r.stdout,
    /compensation: restore \/etc\/haproxy\/haproxy\.cfg, \/etc\/kubernetes\/kubelet\.conf, \/etc\/kubernetes\/bootstrap-kubelet\.conf from this run's backups; restart kubelet/,
  );
  assert.match(r.stdout, /kubeadm-join\.yaml \(holds join secrets/);
  assert.match(r.stdout, /Kernel from backports.*skipped/);
  for (const host of ['master01', 'master02', 'master03', 'worknode01', 'worknode02', 'worknode03'])
    assert.ok(fs.existsSync(path.join(out, host, 'etc/containerd/config.toml')), host);
  assert.ok(fs.existsSync(path.join(out, 'master01/etc/hakube/kubeadm/kubeadm-init.yaml')));
  assert.ok(fs.existsSync(path.join(out, 'worknode03/etc/haproxy/haproxy.cfg')));
  assert.ok(!fs.existsSync(path.join(out, 'master01/etc/haproxy/haproxy.cfg')), 'masters get no haproxy');
  const mermaid = fs.readFileSync(path.join(out, 'install-dag.mmd'), 'utf8');
  assert.match(mermaid, /^flowchart TD/);
  assert.match(mermaid, /etcd_join_master02 --> etcd_join_master03/, 'one at a time: a chain');
  assert.doesNotMatch(mermaid, /join_masters_master02 --> join_masters_master03/, 'in parallel: no chain');
  assert.match(mermaid, /etcd --> init_first_master/);
});

test('hakube plan never writes a join secret, only placeholders', () => {
  const out = tempDir('hakube-plan-');
  assert.equal(run('plan', '-f', EXAMPLE, '--out', out).status, 0);
  const join = fs.readFileSync(path.join(out, 'master02/etc/hakube/kubeadm/kubeadm-join.yaml'), 'utf8');
  assert.match(join, /token: "<bootstrap token: created on the first master at run time, never stored>"/);
});

test('hakube plan refuses a bad inventory with exit code 2, naming field and value, and writes nothing', () => {
  const file = writeInventory((d) => d.setIn(['hosts', 1, 'address'], '10.73.71.999'));
  const out = path.join(tempDir('hakube-plan-'), 'out');
  const r = run('plan', '-f', file, '--out', out);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /hosts\[1\]\.address = "10\.73\.71\.999": must be an IPv4 address/);
  assert.ok(!fs.existsSync(out));
});

test('hakube --help and plan --help describe the commands', () => {
  const r = run('plan', '--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--out <dir>/);
});

test('hakube plan lists every download with its pin, and warns about an unpinned one', () => {
  const r = run('plan', '-f', EXAMPLE, '--mermaid', path.join(tempDir('hakube-plan-'), 'dag.mmd'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Downloads, checked on the host before use:/);
  assert.match(
    r.stdout,
    /Kubernetes apt key: https:\/\/pkgs\.k8s\.io\/core:\/stable:\/v1\.37\/deb\/Release\.key\n\s+key fingerprint DE15B14486CD377B9E876E1A234654DA9A296436/,
  );
  assert.match(
    r.stdout,
    /Calico manifest: .*\/v3\.32\.1\/manifests\/calico\.yaml\n\s+sha256 a1df919d9721cf667accdc3e72848911b0cb25cfab7d2478ad0c996302c95744 {2}\(cni\.manifestSha256\)/,
  );
  assert.doesNotMatch(r.stderr, /unpinned/);
  const operator = run(
    'plan',
    '-f',
    writeInventory((d) => d.setIn(['cni', 'install'], 'operator')),
    '--mermaid',
    path.join(tempDir(), 'dag.mmd'),
  );
  assert.match(operator.stdout, /Tigera operator CRDs: .*\/v3\.32\.1\/manifests\/operator-crds\.yaml\n\s+sha256 192f8b2d/);
  assert.match(operator.stdout, /Tigera operator: .*\/v3\.32\.1\/manifests\/tigera-operator\.yaml\n\s+sha256 f18e0737/);
  assert.doesNotMatch(operator.stdout, /Calico manifest:/);
  const archived = run(
    'plan',
    '-f',
    writeInventory((d) => {
      d.setIn(['etcd', 'mode'], 'docker-compose');
      d.setIn(['etcd', 'imageArchiveUrl'], 'http://mirror.example/etcd.tar');
      d.setIn(['etcd', 'imageArchiveSha256'], 'c'.repeat(64));
    }),
    '--mermaid',
    path.join(tempDir(), 'dag.mmd'),
  );
  assert.match(
    archived.stdout,
    new RegExp(
      `etcd image archive \\(.*\\): http://mirror\\.example/etcd\\.tar\\n\\s+sha256 ${'c'.repeat(64)} {2}\\(etcd\\.imageArchiveSha256\\)`,
    ),
  );
  assert.doesNotMatch(operator.stdout, /etcd image archive/, 'the systemd variant downloads no image');
  const file = writeInventory((d) => {
    d.setIn(['ingress', 'manifestUrl'], 'https://mirror.example/ingress.yaml');
    d.setIn(['ingress', 'manifestSha256'], 'unpinned');
  });
  const unpinned = run('plan', '-f', file, '--mermaid', path.join(tempDir('hakube-plan-'), 'dag.mmd'));
  assert.equal(unpinned.status, 0, unpinned.stderr);
  assert.match(
    unpinned.stderr,
    /warning: ingress\.manifestSha256 = "unpinned": the ingress-nginx manifest from https:\/\/mirror\.example\/ingress\.yaml is used as downloaded, unchecked/,
  );
  assert.match(unpinned.stdout, /ingress-nginx manifest: https:\/\/mirror\.example\/ingress\.yaml\n\s+unpinned {2}\(UNCHECKED\)/);
});
