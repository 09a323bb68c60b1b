// hakube's "did this apply change anything": read from resourceVersions (kubectl's own "configured" is
// printed for patches the server found empty, see apply() in src/activities/steps/kubectl.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appliedObjects, changedObjects, kindAndName, objectVersions, settledByWords } from '../../src/activities/steps/kubectl';

const BEFORE = `PodDisruptionBudget        kube-system   calico-kube-controllers   17
ClusterRoleBinding         <none>        calico-node               51
DaemonSet                  kube-system   calico-node               56
`;

test('objectVersions: kind/namespace/name → resourceVersion; <none> is a cluster-wide object', () => {
  assert.deepEqual(
    [...objectVersions(BEFORE)],
    [
      ['PodDisruptionBudget/kube-system/calico-kube-controllers', '17'],
      ['ClusterRoleBinding//calico-node', '51'],
      ['DaemonSet/kube-system/calico-node', '56'],
    ],
  );
});

test('changedObjects: nothing when every resourceVersion stayed; a new or re-versioned object when not', () => {
  const before = objectVersions(BEFORE);
  assert.deepEqual(changedObjects(before, objectVersions(BEFORE)), []);
  const after = objectVersions(BEFORE.replace(' 56', ' 60') + 'ConfigMap   kube-system   calico-config   61\n');
  assert.deepEqual(changedObjects(before, after), ['DaemonSet/kube-system/calico-node', 'ConfigMap/kube-system/calico-config']);
  assert.deepEqual(changedObjects(new Map(), objectVersions(BEFORE)).length, 3, 'a first apply: everything is new');
});

test('appliedObjects: what kubectl apply says it created or configured, as kind/name; kindAndName matches it', () => {
  const said = appliedObjects(
    [
      'customresourcedefinition.apiextensions.k8s.io/ippools.crd.projectcalico.org created',
      'poddisruptionbudget.policy/calico-kube-controllers configured',
      'daemonset.apps/calico-node unchanged',
      'configmap/calico-config created',
      'Warning: resource configmaps/x is missing the kubectl.kubernetes.io/last-applied-configuration annotation',
    ].join('\n'),
  );
  assert.deepEqual([...said.created], ['customresourcedefinition/ippools.crd.projectcalico.org', 'configmap/calico-config']);
  assert.deepEqual([...said.configured], ['poddisruptionbudget/calico-kube-controllers']);
  assert.ok(said.configured.has(kindAndName('PodDisruptionBudget/kube-system/calico-kube-controllers')));
  assert.ok(said.created.has(kindAndName('CustomResourceDefinition//ippools.crd.projectcalico.org')));
  const daemonSet = kindAndName('DaemonSet/kube-system/calico-node');
  assert.ok(!said.created.has(daemonSet) && !said.configured.has(daemonSet), 'unchanged: not counted even if its resourceVersion moved');
});

test('settledByWords: created is a change, all unchanged none; configured needs the versions unless the content is new here', () => {
  const said = (created: string[], configured: string[]) => ({ created: new Set(created), configured: new Set(configured) });
  const again = { serverSide: false, firstApply: false };
  const first = { serverSide: false, firstApply: true };
  assert.equal(settledByWords(said(['configmap/a'], ['daemonset/b']), again), true);
  assert.equal(settledByWords(said([], []), again), false, 'every object unchanged');
  assert.equal(settledByWords(said([], []), first), false);
  assert.equal(settledByWords(said([], ['poddisruptionbudget/p']), again), undefined, 'maybe an empty patch: read the versions');
  assert.equal(
    settledByWords(said([], ['poddisruptionbudget/p']), first),
    true,
    'a content never applied here: no versions were read before',
  );
  assert.equal(
    settledByWords(said(['configmap/a'], []), { serverSide: true, firstApply: false }),
    undefined,
    'server-side: only versions tell',
  );
});
