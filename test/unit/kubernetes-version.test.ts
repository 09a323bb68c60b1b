// The version rules of installs and upgrades: the apt pin kubelet/kubeadm/kubectl are installed at,
// the spec after `hakube upgrade --to`, and the skew policy checked before any host is touched.
import { minimumExternalEtcd } from '../../src/inventory/versions';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadInventory } from '../../src/inventory/load';
import {
  compareVersions,
  kubernetesPackagePin,
  packageMatchesPin,
  specAtVersion,
  upgradeRefusal,
  upgradeTarget,
} from '../../src/inventory/kubernetes-version';
import { parseBatch } from '../../src/cli/upgrade-command';
import { EXAMPLE } from '../helpers/inventory';

const spec = loadInventory(EXAMPLE, { requireKeyFiles: false }).spec;

test('the apt pin follows the inventory: a minor, an exact version, or the exact Debian version it names', () => {
  const at = (version: string, exact?: string) =>
    kubernetesPackagePin({
      kubernetes: { version, minor: version.split('.').slice(0, 2).join('.') },
      packages: { ...spec.packages, kubernetesPackageVersion: exact },
    });
  assert.equal(at('1.37'), '1.37.*');
  assert.equal(at('1.36.4'), '1.36.4-*');
  assert.equal(at('1.36.4', '1.36.4-1.1'), '1.36.4-1.1');
  assert.ok(packageMatchesPin('1.37.1-1.1', '1.37.*'));
  assert.ok(packageMatchesPin('1.36.4-labstandin', '1.36.4-*'));
  assert.ok(!packageMatchesPin('1.36.40-1.1', '1.36.4-*'), '1.36.40 is not 1.36.4');
  assert.ok(!packageMatchesPin('1.36.5-1.1', '1.36.4-*'));
  assert.ok(!packageMatchesPin('', '1.37.*'), 'not installed');
});

test('specAtVersion: the version and what the defaults derive from it follow; a named mirror stays', () => {
  const at136 = { ...spec, kubernetes: { version: '1.36.4', minor: '1.36' } };
  const defaults = specAtVersion(
    {
      ...at136,
      packages: {
        ...spec.packages,
        kubernetesRepo: 'https://pkgs.k8s.io/core:/stable:/v1.36/deb/',
        kubernetesRepoKey: { ...spec.packages.kubernetesRepoKey, url: 'https://pkgs.k8s.io/core:/stable:/v1.36/deb/Release.key' },
        kubernetesPackageVersion: '1.36.4-1.1',
      },
    },
    'v1.37.1',
  );
  assert.deepEqual(defaults.kubernetes, { version: '1.37.1', minor: '1.37' });
  assert.equal(defaults.packages.kubernetesRepo, 'https://pkgs.k8s.io/core:/stable:/v1.37/deb/');
  assert.equal(defaults.packages.kubernetesRepoKey.url, 'https://pkgs.k8s.io/core:/stable:/v1.37/deb/Release.key');
  assert.equal(defaults.packages.kubernetesPackageVersion, undefined, 'the old exact pin names the old version');
  assert.equal(kubernetesPackagePin(defaults), '1.37.1-*');
  const mirror = specAtVersion({ ...at136, packages: { ...spec.packages, kubernetesRepo: 'http://mirror.example/apt/' } }, '1.37.1');
  assert.equal(mirror.packages.kubernetesRepo, 'http://mirror.example/apt/');
});

test('--to must be exact and of a supported minor; the skew policy refuses downgrades and skipped minors', () => {
  assert.throws(() => upgradeTarget('1.37'), /--to 1.37: give the exact version/);
  assert.throws(() => upgradeTarget('1.99.0'), /--to 1.99.0: hakube installs and upgrades Kubernetes 1\.35, 1\.36, 1\.37/);
  assert.deepEqual(upgradeTarget('v1.36.5'), { major: 1, minorNumber: 36, patch: 5, minor: '1.36' });
  assert.equal(upgradeRefusal('v1.36.4', 'v1.36.5'), undefined);
  assert.equal(upgradeRefusal('v1.36.5', 'v1.37.1'), undefined);
  assert.equal(upgradeRefusal('v1.37.1', 'v1.37.1'), undefined, 'the same version: a repair run, allowed');
  assert.match(upgradeRefusal('v1.37.1', 'v1.36.5')!, /newer than v1.36.5: kubeadm does not downgrade/);
  assert.match(upgradeRefusal('v1.35.2', 'v1.37.1')!, /upgrade to 1\.36 first/);
  assert.equal(compareVersions('v1.36.10', '1.36.9'), 1);
});

test('--batch: a count or a share', () => {
  for (const ok of ['1', '3', '20%', '100%']) assert.equal(parseBatch(ok), ok);
  for (const bad of ['0', '0%', '101%', '-1', 'half', '1.5']) assert.throws(() => parseBatch(bad), /--batch/);
});

test("kubeadm's minimum external etcd: 3.5.24 for 1.36 and 1.37 (Debian 12's 3.4.23 is refused), unknown for 1.35", () => {
  assert.equal(minimumExternalEtcd('1.37'), '3.5.24');
  assert.equal(minimumExternalEtcd('1.36'), '3.5.24');
  assert.equal(minimumExternalEtcd('1.35'), undefined);
});
