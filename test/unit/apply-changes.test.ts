// hakube's "did this apply change anything": read from resourceVersions (kubectl's own "configured" is
// printed for patches the server found empty, see apply() in src/activities/steps/kubectl.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apply, appliedObjects, changedObjects, kindAndName, objectVersions, settledByWords } from '../../src/activities/steps/kubectl';
import type { HostSession } from '../../src/activities/host/session';

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

/** A first master that answers apply()'s commands: the marker test, the version readings, the apply. */
function fakeMaster(answers: { applied: boolean; said: string; before: string; after: string }) {
  const commands: string[] = [];
  let readings = 0;
  const session = {
    host: { name: 'master01' },
    spec: { firstMaster: 'master01' },
    test: async (cmd: string) => (commands.push(cmd), answers.applied),
    probe: async (cmd: string) => {
      commands.push(cmd);
      return { code: 0, stdout: readings++ === 0 ? answers.before : answers.after, stderr: '' };
    },
    sh: async (cmd: string) => (commands.push(cmd), answers.said),
  };
  return { session: session as unknown as HostSession, commands };
}

test('apply: a content applied here before is read before and after (an empty patch is no change); a first apply is not read, and marks its content once kubectl succeeded', async () => {
  const configured = 'poddisruptionbudget.policy/calico-kube-controllers configured\n';
  const again = fakeMaster({ applied: true, said: configured, before: BEFORE, after: BEFORE });
  assert.equal(await apply(again.session, '/etc/hakube/manifests/x.yaml'), false, 'configured, but no resourceVersion moved');
  assert.equal(again.commands.filter((c) => c.includes(' get -f ')).length, 2, 'read before and after');
  const moved = fakeMaster({ applied: true, said: configured, before: BEFORE, after: BEFORE.replace(' 17', ' 18') });
  assert.equal(await apply(moved.session, '/etc/hakube/manifests/x.yaml'), true);

  const first = fakeMaster({ applied: false, said: configured, before: BEFORE, after: BEFORE });
  assert.equal(await apply(first.session, '/etc/hakube/manifests/x.yaml'), true, 'a first apply that configured something');
  assert.equal(first.commands.filter((c) => c.includes(' get -f ')).length, 0, 'no reading on a first apply');
  const applyCommand = first.commands.find((c) => c.includes(' apply '))!;
  assert.match(
    applyCommand,
    /apply -f '\/etc\/hakube\/manifests\/x\.yaml' && mkdir -p \/var\/lib\/hakube\/applied && touch /,
    'marked only after kubectl succeeded',
  );
  assert.match(
    first.commands[0]!,
    /^test -e \/var\/lib\/hakube\/applied\/"\$\(sha256sum < '\/etc\/hakube\/manifests\/x\.yaml' \| cut -c1-64\)"$/,
  );
  const unchanged = fakeMaster({ applied: false, said: 'daemonset.apps/calico-node unchanged\n', before: '', after: '' });
  assert.equal(await apply(unchanged.session, '/etc/hakube/manifests/x.yaml'), false);

  const serverSide = fakeMaster({ applied: false, said: 'x serverside-applied\n', before: BEFORE, after: BEFORE });
  assert.equal(await apply(serverSide.session, '/etc/hakube/manifests/x.yaml', { serverSide: true }), false);
  assert.equal(serverSide.commands.filter((c) => c.includes(' get -f ')).length, 2, 'a server-side apply is always read');
});
