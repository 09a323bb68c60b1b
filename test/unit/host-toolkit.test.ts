// The host toolkit's pure parts: secret masking, version comparison, output parsers, and the
// compensation data the phases declare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskSecrets } from '../../src/activities/host/mask';
import { versionAtLeast, versionNumbers } from '../../src/activities/host/versions';
import { parseEtcdMembers, parseEtcdMembership, parseKeyValues, parseNodeReady } from '../../src/activities/host/facts';
import { subjectAltNames } from '../../src/activities/steps/control-plane';
import { parseExpiries } from '../../src/activities/host/cert-expiry';
import { compensationFor, describeUndo } from '../../src/contracts/compensation';
import { RENDERED_FILES, remotePath } from '../../src/contracts/remote-files';
import { OPERATIONS } from '../../src/workflows/operations';
import { leaseRenewTimes } from '../../src/activities/steps/verify-ha';
import { filesOf, undosOf } from '../../src/workflows/phase-model';
import { HOST_STEPS } from '../../src/activities/registry';

test('maskSecrets hides bootstrap tokens, certificate keys and kubeconfig credentials', () => {
  const key = 'a'.repeat(64);
  const text = [
    'kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef',
    `--certificate-key ${key}`,
    `certificateKey: "${key}"`,
    key,
    'client-key-data: LS0tLS1CRUdJTi',
    'token: eyJhbGciOi',
    'nothing secret here: 1.37.1',
  ].join('\n');
  const masked = maskSecrets(text);
  assert.doesNotMatch(masked, /abcdef\.0123456789abcdef/);
  assert.ok(!masked.includes(key), masked);
  assert.doesNotMatch(masked, /LS0tLS1CRUdJTi|eyJhbGciOi/);
  assert.match(masked, /--certificate-key \*\*\*/);
  assert.match(masked, /nothing secret here: 1\.37\.1/);
});

test('versionAtLeast compares the leading numbers of what hosts report', () => {
  assert.deepEqual(versionNumbers('6.1.0-18-amd64'), [6, 1, 0]);
  assert.deepEqual(versionNumbers('v2.2.1-rc.1'), [2, 2, 1]);
  assert.deepEqual(versionNumbers('1.7.24~ds1'), [1, 7, 24]);
  assert.equal(versionAtLeast('6.1.0-18-amd64', '4.18'), true);
  assert.equal(versionAtLeast('4.9.0-8-amd64', '4.18'), false);
  assert.equal(versionAtLeast('4.18', '4.18'), true);
  assert.equal(versionAtLeast('1.7.24', '2.2'), false);
  assert.equal(versionAtLeast('v2.2.0', '2.2'), true);
  assert.equal(versionAtLeast('2.10.0', '2.2'), true, 'numeric, not lexical');
  assert.equal(versionAtLeast('', '1.0'), false, 'an unknown version is never new enough');
});

test('parsers read key=value facts, etcd member lists and node Ready columns', () => {
  assert.deepEqual(parseKeyValues('id=debian\npretty=Debian GNU/Linux 12 (bookworm)\nnoise\nips=10.0.0.1 fe80::1'), {
    id: 'debian',
    pretty: 'Debian GNU/Linux 12 (bookworm)',
    ips: '10.0.0.1 fe80::1',
  });
  const members = parseEtcdMembers(
    '8e9e05c52164694d, started, master01, http://10.0.0.11:2380, http://10.0.0.11:2379, false\n' +
      '1f2e3d4c5b6a7980, unstarted, , http://10.0.0.14:2380, , true\n\n',
  );
  assert.deepEqual(members, [
    {
      id: '8e9e05c52164694d',
      status: 'started',
      name: 'master01',
      peerUrls: 'http://10.0.0.11:2380',
      clientUrls: 'http://10.0.0.11:2379',
      isLearner: false,
    },
    { id: '1f2e3d4c5b6a7980', status: 'unstarted', name: '', peerUrls: 'http://10.0.0.14:2380', clientUrls: '', isLearner: true },
  ]);
  assert.deepEqual(parseNodeReady('master01   True\nworknode01 False\n'), { master01: 'True', worknode01: 'False' });
});

test("an etcd member's start-up membership is read from either variant's settings, the token not mistaken for it", () => {
  const env =
    'ETCD_INITIAL_CLUSTER=m1=https://10.0.0.11:2380,m4=https://10.0.0.14:2380\nETCD_INITIAL_CLUSTER_TOKEN=t\nETCD_INITIAL_CLUSTER_STATE=existing\n';
  assert.deepEqual(parseEtcdMembership(env), { initialCluster: 'm1=https://10.0.0.11:2380,m4=https://10.0.0.14:2380', state: 'existing' });
  const compose =
    '      - --initial-cluster-token=t\n      - --initial-cluster=m1=http://10.0.0.11:2380\n      - --initial-cluster-state=new\n';
  assert.deepEqual(parseEtcdMembership(compose), { initialCluster: 'm1=http://10.0.0.11:2380', state: 'new' });
  assert.equal(parseEtcdMembership('ETCD_NAME=m1\n'), undefined);
});

test("a certificate's names are read from openssl's subjectAltName output", () => {
  const text = 'X509v3 Subject Alternative Name: \n    DNS:kubernetes, DNS:master01, IP Address:10.96.0.1, IP Address:10.213.71.11\n';
  assert.deepEqual(subjectAltNames(text), ['kubernetes', 'master01', '10.96.0.1', '10.213.71.11']);
});

test('a declared undo becomes a compensation with resolved paths, described from the same data', () => {
  const undo = { restore: ['haproxy-config', 'kubelet-conf'] as const, restart: ['kubelet'] };
  const c = compensationFor({ ...undo, restore: [...undo.restore] }, { host: 'worknode01', phase: 'haproxy', backupTag: 't-1' });
  assert.deepEqual(c.restoreFiles, ['/etc/haproxy/haproxy.cfg', '/etc/kubernetes/kubelet.conf']);
  assert.deepEqual(c.restartUnits, ['kubelet']);
  assert.equal(c.stopUnits, undefined);
  assert.equal(c.description, describeUndo({ ...undo, restore: [...undo.restore] }));
  assert.match(c.description, /restore \/etc\/haproxy\/haproxy\.cfg, \/etc\/kubernetes\/kubelet\.conf .*; restart kubelet/);
});

test('every phase names real activities, catalogued files and restorable paths', () => {
  const catalogued = new Set(RENDERED_FILES.map((f) => f.id));
  for (const [operation, phases] of Object.entries(OPERATIONS))
    for (const phase of phases) {
      for (const step of phase.steps)
        if (step.kind === 'activity') assert.ok(step.activity in HOST_STEPS, `${operation}/${phase.id}: ${step.activity}`);
      for (const id of filesOf(phase)) assert.ok(catalogued.has(id), `${operation}/${phase.id} writes ${id}`);
      for (const undo of undosOf(phase)) for (const id of undo.restore) assert.match(remotePath(id), /^\//);
    }
});

test('a changed host key is not retried: it pauses the host at once', async () => {
  const { classify } = await import('../../src/activities/host/step-runner');
  const { ApplicationFailure } = await import('@temporalio/common');
  const mismatch = Object.assign(new Error('host key of 10.0.0.1 changed'), { name: 'HostKeyMismatchError' });
  const classified = classify(mismatch);
  assert.ok(classified instanceof ApplicationFailure);
  assert.equal(classified.nonRetryable, true);
  assert.equal(classified.type, 'HostKeyMismatch');
  const other = new Error('connection reset');
  assert.equal(classify(other), other, 'other errors keep their retries');
});

test('the worker runs only compensations the phases can declare', async () => {
  const { refusedCompensation } = await import('../../src/activities/steps/compensate');
  const ok = compensationFor(
    { restore: ['haproxy-config', 'kubelet-conf'], restart: ['kubelet'] },
    { host: 'w1', phase: 'haproxy', backupTag: 'lab-1a2b3c4d' },
  );
  assert.equal(refusedCompensation(ok), undefined);
  assert.match(refusedCompensation({ ...ok, stopUnits: ['ssh; reboot'] })!, /unit .* is not one hakube manages/);
  assert.match(refusedCompensation({ ...ok, restoreFiles: ['/etc/shadow'] })!, /file "\/etc\/shadow" is not one hakube writes/);
  assert.match(refusedCompensation({ ...ok, backupTag: '../../etc' })!, /backup tag/);
  for (const phase of Object.values(OPERATIONS).flat())
    for (const undo of undosOf(phase))
      assert.equal(refusedCompensation(compensationFor(undo, { host: 'h', phase: phase.id, backupTag: 't-1' })), undefined, phase.id);
});

test('primary key fingerprints are read from gpg --with-colons output, subkeys left out', async () => {
  const { primaryFingerprints, fingerprintMismatch } = await import('../../src/activities/host/repo-keys');
  const colons = [
    'pub:-:4096:1:8D81803C0EBFCD88:1487788586:::-:::scESC::::::23::0:',
    'fpr:::::::::9DC858229FC7DD38854AE2D88D81803C0EBFCD88:',
    'uid:-::::1487792064::B5A08F01796E7F521861B449372D1FF271F2DD50::Docker Release (CE deb) <docker@docker.com>::::::::::0:',
    'sub:-:4096:1:7EA0A9C3F273FCD8:1487788586::::::s::::::23:',
    'fpr:::::::::D3306A018370199E527AE7997EA0A9C3F273FCD8:',
    'pub:-:255:22:25846ACC27C3FCB5:1795763319:::-:::scSC:::::ed25519:::0:',
    'fpr:::::::::e279c3b831d7c8411d475e9d25846acc27c3fcb5:',
  ].join('\n');
  assert.deepEqual(primaryFingerprints(colons), ['9DC858229FC7DD38854AE2D88D81803C0EBFCD88', 'E279C3B831D7C8411D475E9D25846ACC27C3FCB5']);
  const key = { url: 'https://x/gpg', fingerprint: '9DC858229FC7DD38854AE2D88D81803C0EBFCD88', field: 'packages.dockerRepoKeyFingerprint' };
  assert.equal(fingerprintMismatch(['9DC858229FC7DD38854AE2D88D81803C0EBFCD88'], key), undefined);
  assert.match(
    fingerprintMismatch(primaryFingerprints(colons), key)!,
    /holds primary key\(s\) 9DC8.*, E279.* but packages\.dockerRepoKeyFingerprint pins exactly one: 9DC8/,
  );
  assert.match(fingerprintMismatch([], key)!, /holds no OpenPGP public key/);
});

test('certificate expiries are read from "path|notAfter" lines, days left rounded down, junk lines left out', () => {
  const now = new Date('2026-11-27T12:00:00Z');
  const text =
    '/etc/kubernetes/pki/apiserver.crt|Nov 27 11:00:00 2027 GMT\n/etc/etcd/pki/ca.crt|Nov 25 12:00:00 2036 GMT\nnoise\n/x.crt|\n';
  const expiries = parseExpiries('master01', text, now);
  assert.deepEqual(
    expiries.map((e) => [e.host, e.certificate, e.daysLeft]),
    [
      ['master01', '/etc/kubernetes/pki/apiserver.crt', 364],
      ['master01', '/etc/etcd/pki/ca.crt', 3651],
    ],
  );
});

test('leaseRenewTimes: each node Lease with its renewTime', () => {
  const json = JSON.stringify({
    items: [
      { metadata: { name: 'worknode01' }, spec: { renewTime: '2026-11-27T21:00:00.000000Z' } },
      { metadata: { name: 'master01' }, spec: {} },
    ],
  });
  assert.deepEqual(leaseRenewTimes(json), { worknode01: '2026-11-27T21:00:00.000000Z', master01: '' });
});
