// The state record's host digests (src/activities/host/state-record.ts), computed by its real shell
// command on a directory of this machine standing in for a host's root: the same state gives the same
// digests; a changed content, mode or link, or a file added, changes the files digest and only it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { differingSections, hostStateCommand, parseSections } from '../../src/activities/host/state-record';
import { objectListCommands, objectStates } from '../../src/activities/steps/state-record';

function digestsOf(root: string): Record<string, string> {
  const r = spawnSync('bash', ['-c', hostStateCommand({ root, dirs: ['/var/lib/etcd/lab'] })], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return parseSections(r.stdout);
}

test('host digests: stable for the same state; files differ after a content, mode, link or new-file change or a data directory mode, nothing else does', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hakube-state-'));
  try {
    fs.mkdirSync(path.join(root, 'etc/haproxy'), { recursive: true });
    fs.mkdirSync(path.join(root, 'etc/kubernetes/pki'), { recursive: true });
    const cfg = path.join(root, 'etc/haproxy/haproxy.cfg');
    fs.writeFileSync(cfg, 'frontend api\n');
    fs.writeFileSync(path.join(root, 'etc/kubernetes/pki/ca.key'), 'secret\n', { mode: 0o600 });
    const first = digestsOf(root);
    assert.deepEqual(Object.keys(first).sort(), ['containers', 'files', 'kernel', 'packages', 'reboot', 'units']);
    assert.deepEqual(differingSections(first, digestsOf(root)), [], 'the same state, the same digests');

    const changes: [string, () => void][] = [
      ['content', () => fs.writeFileSync(cfg, 'frontend api\n# edited by hand\n')],
      ['mode', () => fs.chmodSync(path.join(root, 'etc/kubernetes/pki/ca.key'), 0o644)],
      ['new file', () => fs.writeFileSync(path.join(root, 'etc/kubernetes/extra.conf'), '')],
      ['symlink target', () => fs.symlinkSync('/nowhere', path.join(root, 'etc/haproxy/link'))],
    ];
    const data = path.join(root, 'var/lib/etcd/lab');
    fs.mkdirSync(data, { recursive: true, mode: 0o700 });
    const withData = digestsOf(root);
    assert.deepEqual(differingSections(first, withData), ['files'], "etcd's data directory appeared");
    fs.writeFileSync(path.join(data, 'wal'), 'etcd writes here all the time');
    assert.deepEqual(differingSections(withData, digestsOf(root)), [], "the data directory's contents do not count");
    fs.chmodSync(data, 0o755);
    assert.deepEqual(differingSections(withData, digestsOf(root)), ['files'], "the data directory's mode counts");
    let previous = digestsOf(root);
    for (const [what, change] of changes) {
      change();
      const now = digestsOf(root);
      assert.deepEqual(differingSections(previous, now), ['files'], what);
      previous = now;
    }
    // Only digests come back: nothing of a file's content is in the output.
    const out = spawnSync('bash', ['-c', hostStateCommand({ root, dirs: ['/var/lib/etcd/lab'] })], { encoding: 'utf8' }).stdout;
    assert.doesNotMatch(out, /secret|frontend/);
    assert.equal(out.trim().split('\n').length, 6);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('differingSections: a section on one side only differs too; sorted', () => {
  assert.deepEqual(differingSections({ files: 'a', units: 'b' }, { units: 'c', files: 'a', nodes: 'd' }), ['nodes', 'units']);
  assert.deepEqual(parseSections('files ' + 'a'.repeat(64) + '\nnoise\n'), { files: 'a'.repeat(64) });
});

test("objectStates: an object's generation where it has one (a status write does not count), else its resourceVersion; its uid always", () => {
  const line = (uid: string, generation: string, rv: string) =>
    `Deployment ingress-nginx ingress-nginx-controller ${uid} ${generation} ${rv}`;
  const base = objectStates(`${line('u1', '2', '100')}\nConfigMap kube-system kubeadm-config u2 <none> 7\n`);
  assert.equal(objectStates(`${line('u1', '2', '140')}\nConfigMap kube-system kubeadm-config u2 <none> 7\n`), base, 'a status write');
  assert.notEqual(objectStates(`${line('u1', '3', '141')}\nConfigMap kube-system kubeadm-config u2 <none> 7\n`), base, 'a spec change');
  assert.notEqual(
    objectStates(`${line('u9', '2', '150')}\nConfigMap kube-system kubeadm-config u2 <none> 7\n`),
    base,
    'deleted and made again',
  );
  assert.notEqual(
    objectStates(`${line('u1', '2', '100')}\nConfigMap kube-system kubeadm-config u2 <none> 8\n`),
    base,
    'a ConfigMap written',
  );
  assert.notEqual(objectStates(`${line('u1', '2', '100')}\n`), base, 'an object gone');
});

test('objectStates: the order objects were listed in does not count', () => {
  const a = 'Deployment ns a u1 1 5';
  const b = 'ConfigMap ns b u2 <none> 7';
  assert.equal(objectStates(`${a}\n${b}`), objectStates(`${b}\n${a}`));
});

test('objectListCommands: one kubectl per namespace listing each kind once, exact about group and version', () => {
  const ref = (apiVersion: string, kind: string, name: string, namespace?: string) => ({
    apiVersion,
    kind,
    metadata: { name, ...(namespace && { namespace }) },
  });
  const { command, wanted } = objectListCommands([
    ref('apps/v1', 'Deployment', 'a', 'kube-system'),
    ref('apps/v1', 'Deployment', 'b', 'kube-system'),
    ref('v1', 'ConfigMap', 'kubeadm-config', 'kube-system'),
    ref('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'ippools.crd.projectcalico.org'),
    ref('v1', 'Namespace', 'ingress-nginx'),
  ]);
  const lists = command.split('\n').filter((l) => l.includes(' get '));
  assert.equal(lists.length, 2, command);
  assert.match(lists[0]!, / get configmap,deployment\.v1\.apps -n 'kube-system' --no-headers/);
  assert.match(lists[1]!, / get customresourcedefinition\.v1\.apiextensions\.k8s\.io,namespace --no-headers/);
  assert.ok(!lists[1]!.includes(' -n '), 'cluster-wide kinds are listed without a namespace');
  assert.deepEqual([...wanted].sort(), [
    'ConfigMap kube-system kubeadm-config',
    'CustomResourceDefinition <none> ippools.crd.projectcalico.org',
    'Deployment kube-system a',
    'Deployment kube-system b',
    'Namespace <none> ingress-nginx',
  ]);
  // Run by sh with a kubectl that prints its arguments' kinds, failing for one namespace when asked to.
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'hakube-kubectl-'));
  try {
    fs.writeFileSync(
      path.join(bin, 'kubectl'),
      '#!/bin/sh\nsleep 0.2\necho "listed $4"\n[ -n "$FAIL_NS" ] && [ "$6" = "$FAIL_NS" ] && exit 1\nexit 0\n',
      { mode: 0o755 },
    );
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    const ok = spawnSync('sh', ['-c', command], { encoding: 'utf8', env });
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(ok.stdout.trim().split('\n').sort(), [
      'listed configmap,deployment.v1.apps',
      'listed customresourcedefinition.v1.apiextensions.k8s.io,namespace',
    ]);
    const failing = spawnSync('sh', ['-c', command], { encoding: 'utf8', env: { ...env, FAIL_NS: 'kube-system' } });
    assert.notEqual(failing.status, 0, 'one failed list fails the whole read');
    assert.match(failing.stdout, /listed customresourcedefinition/, 'the other lists still run');
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
});
