// One apt run per host: what the later phases of an install install, fetched by the first package step
// (packagesAhead), and the units such packages would start kept from starting (ensurePackages).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadInventory } from '../../src/inventory/load';
import { phasesToRun } from '../../src/workflows/operations';
import { packagesAhead } from '../../src/activities/steps/packages-ahead';
import { ensurePackages } from '../../src/activities/host/packages';
import type { HostSession } from '../../src/activities/host/session';
import type { HostRequest } from '../../src/contracts/activity-request';
import type { ClusterSpec } from '../../src/inventory/spec';
import { kubernetesPackagePin } from '../../src/inventory/kubernetes-version';
import { writeInventory } from '../helpers/inventory';

const spec = loadInventory(writeInventory(), { requireKeyFiles: true }).spec;
const wholeInstall = phasesToRun('install', spec).map((p) => p.id);
const pin = kubernetesPackagePin(spec);
const kube = ['kubelet', 'kubeadm', 'kubectl'];

const on = (host: string, s: ClusterSpec = spec) => ({ spec: s, host: s.hosts.find((h) => h.name === host)! }) as unknown as HostSession;
const request = (runPhases?: string[]) => ({ spec, host: '', backupTag: 't', ...(runPhases && { runPhases }) }) as HostRequest;

test('packagesAhead: a whole install puts every later package of the host in the runtime phase’s apt run', () => {
  const master = packagesAhead(on(spec.masters[0]!), request(wholeInstall), 'runtime');
  assert.deepEqual(master.packages, [...kube.map((p) => `${p}=${pin}`), spec.etcd.package, 'etcd-client']);
  assert.deepEqual(master.hold, kube, 'held as the packages phase holds them');
  assert.deepEqual(master.holdBackStart, ['etcd.service'], "Debian's etcd must not start its own member");
  const worker = packagesAhead(on(spec.workers[0]!), request(wholeInstall), 'runtime');
  assert.deepEqual(worker.packages, [...kube.map((p) => `${p}=${pin}`), 'haproxy']);
  assert.deepEqual(worker.holdBackStart, []);
});

test('packagesAhead: only phases after the asking one and in this run; nothing for a run that does not say its phases', () => {
  const master = spec.masters[0]!;
  assert.deepEqual(packagesAhead(on(master), request(wholeInstall), 'packages').packages, [spec.etcd.package, 'etcd-client']);
  assert.deepEqual(packagesAhead(on(master), request(['runtime']), 'runtime').packages, [], '--only runtime installs only containerd');
  assert.deepEqual(packagesAhead(on(master), request(['runtime', 'etcd']), 'runtime').packages, [spec.etcd.package, 'etcd-client']);
  assert.deepEqual(packagesAhead(on(master), request(['etcd', 'runtime']), 'runtime').packages, [], 'not a phase before');
  assert.deepEqual(packagesAhead(on(master), request(), 'runtime').packages, [], 'a run of an older hakube');
  const compose = { ...spec, etcd: { ...spec.etcd, mode: 'docker-compose' as const } };
  assert.deepEqual(
    packagesAhead(on(master, compose), request(['runtime', 'etcd']), 'runtime').packages,
    [],
    'etcd in a container: no package',
  );
});

/** A host whose dpkg says nothing is installed; the install command fails when `failInstall`. */
function blankHost(failInstall: boolean) {
  const commands: string[] = [];
  const session = {
    probe: async (cmd: string) => (commands.push(cmd), { code: 0, stdout: 'etcd-server\netcd-client\n', stderr: '' }),
    test: async (cmd: string) => (commands.push(cmd), true), // the apt lists are fresh
    sh: async (cmd: string) => {
      commands.push(cmd);
      if (failInstall && cmd.startsWith('apt-get install')) throw new Error('E: dpkg was interrupted');
      return '';
    },
    log: () => {},
  } as unknown as HostSession;
  return { session, commands };
}

test('ensurePackages holdBackStart: a start-blocking runtime drop-in before dpkg runs, removed after, and after a failed install too', async () => {
  const dropIn = "'/run/systemd/system/etcd.service.d/zz-hakube-held-back.conf'";
  const ok = blankHost(false);
  assert.equal(await ensurePackages(ok.session, ['etcd-server', 'etcd-client'], { holdBackStart: ['etcd.service'] }), true);
  const sh = ok.commands.filter((c) => !c.startsWith('for p') && !c.startsWith('['));
  // Not for a unit that runs already (a restart under the hold would stop it).
  assert.ok(sh[0]!.startsWith("{ systemctl is-active --quiet 'etcd.service' || { mkdir -p"), sh[0]);
  assert.ok(sh[0]!.includes(`ConditionPathExists=/nonexistent/hakube-held-back\\n' > ${dropIn}`), sh[0]);
  assert.ok(sh[0]!.endsWith('&& systemctl daemon-reload'), sh[0]);
  assert.equal(sh[1], 'dpkg --configure -a');
  assert.match(sh[2]!, /^apt-get install .* 'etcd-server' 'etcd-client'$/);
  assert.ok(sh[3]!.includes(`for f in ${dropIn}; do [ -e "$f" ] && rm -f "$f"`), sh[3]);

  const failing = blankHost(true);
  await assert.rejects(ensurePackages(failing.session, ['etcd-server'], { holdBackStart: ['etcd.service'] }), /dpkg was interrupted/);
  assert.ok(failing.commands.at(-1)!.includes(`for f in ${dropIn}; do`), 'released after a failed install');

  const plain = blankHost(false);
  await ensurePackages(plain.session, ['etcd-server']);
  assert.ok(!plain.commands.some((c) => c.includes('held-back') || c.includes('daemon-reload')), 'no units held back: no drop-in');
});

test('the runtime phase installs containerd with the later phases’ packages in one apt run, holds kubelet/kubeadm/kubectl', async () => {
  const commands: string[] = [];
  const master = spec.hosts.find((h) => h.name === spec.masters[0])!;
  const s = {
    spec: { ...spec, packages: { ...spec.packages, containerd: 'debian' } },
    host: master,
    // Every package asked about is missing (a blank host).
    probe: async (cmd: string) => (
      commands.push(cmd),
      { code: 0, stdout: [...cmd.matchAll(/'([^']+)'/g)].map((m) => m[1]).join('\n'), stderr: '' }
    ),
    test: async (cmd: string) => (commands.push(cmd), true),
    sh: async (cmd: string) => (commands.push(cmd), cmd.startsWith('containerd --version') ? '2.2.1\n' : ''),
    log: () => {},
    refuse: (why: string) => {
      throw new Error(why);
    },
  } as unknown as HostSession;
  const { runtimeSteps } = await import('../../src/activities/steps/runtime');
  await runtimeSteps.installContainerd(s, request(wholeInstall));
  const installs = commands.filter((c) => c.startsWith('apt-get install'));
  assert.equal(installs.length, 1, 'one apt run');
  for (const p of ['containerd', 'runc', `kubelet=${pin}`, `kubeadm=${pin}`, `kubectl=${pin}`, spec.etcd.package!, 'etcd-client'])
    assert.ok(installs[0]!.includes(`'${p}'`), `${p} in the apt run`);
  assert.ok(
    commands.some((c) => c.includes("> '/run/systemd/system/etcd.service.d/zz-hakube-held-back.conf'")),
    'etcd kept from starting',
  );
  assert.ok(commands.includes("apt-mark hold 'kubelet' 'kubeadm' 'kubectl'"), 'held as soon as installed');

  commands.length = 0;
  await runtimeSteps.installContainerd(s, request(['runtime']));
  assert.ok(!commands.some((c) => c.includes('kubelet') || c.includes('mask')), '--only runtime: containerd alone');
});
