// The install phases that need no Kubernetes binaries, run for real: real activities over SSH,
// through a real Temporal dev server, against the six lab hosts; then checked on the hosts directly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { approve, progressOf, startOrAttach } from '../../src/temporal/client';
import { BOOT_MARKER_COMMAND } from '../../src/activities/host/container-host';
import { waitFor } from '../helpers/temporal';
import { runTag } from '../../src/contracts/workflow-ids';
import { canRunLab } from '../helpers/lab';
import { assertEtcdHealthy, logPhaseTimes, openLabFixture, type LabFixture } from '../helpers/lab-fixture';

/** The lab's hosts hold the cluster of the test before this one: taken as they are (`hakube up --force`). */
const TAKE_HOSTS = { force: true };

const PHASES = ['preflight', 'runtime', 'etcd'];
const MARKER = BOOT_MARKER_COMMAND;

describe(
  'preflight, runtime, etcd and an approved reboot on the six lab hosts',
  { skip: !canRunLab() && 'needs root (docker, debootstrap)' },
  () => {
    let lab: LabFixture;
    const sh = (host: string, command: string) => lab.sh(host, command);
    const hosts = () => lab.spec.hosts.map((h) => h.name);
    let spec: LabFixture['spec'];
    let taskQueue: string;

    before(async () => {
      lab = await openLabFixture('lab-phases');
      ({ spec, taskQueue } = lab);
    });
    after(async () => lab?.close());

    test(
      'first run: swap off with fstab backup, runtime, 3-member etcd, reboot only after approval',
      { timeout: 15 * 60_000 },
      async () => {
        // A swap line as on a real host, and a pending reboot on one worker (as an upgrade leaves it).
        const fstabBefore = '# /etc/fstab as the installer left it\nproc /proc proc defaults 0 0\n/swapfile none swap sw 0 0';
        await sh('master01', `printf '%s\\n' '${fstabBefore.split('\n').join("' '")}' > /etc/fstab`);
        await sh('worknode02', 'touch /run/reboot-required');
        const bootBefore = await sh('worknode02', MARKER);

        const started = Date.now();
        const { handle } = await startOrAttach(lab.client, spec, { taskQueue, onlyPhases: PHASES, options: TAKE_HOSTS });
        await waitFor(
          'worknode02 waiting for approval',
          async () => (await progressOf(handle)).phases.find((p) => p.id === 'runtime')!.hosts.worknode02.state === 'waiting-approval',
          10 * 60_000,
        );
        await new Promise((r) => setTimeout(r, 3000));
        assert.equal(await sh('worknode02', MARKER), bootBefore, 'worknode02 rebooted before approval');
        assert.equal(await sh('worknode02', 'test -f /run/reboot-required && echo pending'), 'pending');
        await approve(handle, { hosts: ['worknode02'] });
        const result = await handle.result();
        const seconds = Math.round((Date.now() - started) / 1000);
        console.log(`lab: preflight+runtime+etcd on 6 hosts with one approved reboot: ${seconds} s`);
        await logPhaseTimes(lab, handle.workflowId, result);

        // Checked on the hosts, not through hakube.
        assert.notEqual(await sh('worknode02', MARKER), bootBefore, 'worknode02 did not reboot after approval');
        assert.equal(await sh('worknode02', 'test -f /run/reboot-required || echo gone'), 'gone');
        assert.match(await sh('master01', 'cat /etc/fstab'), /^# \/swapfile none swap sw 0 0 {2}# disabled by hakube/m);
        const backupTag = runTag(spec.name, (await handle.describe()).runId);
        assert.equal(
          await sh('master01', `cat /var/lib/hakube/backups/${backupTag}/etc/fstab`),
          fstabBefore,
          'fstab backup is the original',
        );
        assert.match(await sh('master01', 'cat /etc/fstab'), /^proc \/proc proc defaults 0 0$/m);
        for (const host of hosts()) {
          assert.equal(await sh(host, 'swapon --show --noheadings'), '');
          assert.equal(await sh(host, 'sysctl -n net.ipv4.ip_forward'), '1', host);
          assert.equal(await sh(host, 'systemctl is-active containerd'), 'active', host);
          assert.match(await sh(host, 'containerd config dump'), /SystemdCgroup = true/, host);
        }
        await assertEtcdHealthy(lab, 'master02');
      },
    );

    test('a second run changes nothing and says so per step', { timeout: 10 * 60_000 }, async () => {
      const { handle } = await startOrAttach(lab.client, spec, { taskQueue, onlyPhases: PHASES, options: TAKE_HOSTS });
      const result = await handle.result();
      const changed = result.phases.flatMap((p) => Object.entries(p.hosts).flatMap(([h, r]) => r.changed.map((s) => `${p.id}/${h}: ${s}`)));
      assert.deepEqual(changed, []);
      const unchanged = result.phases.flatMap((p) => Object.values(p.hosts).flatMap((r) => r.unchanged));
      assert.ok(unchanged.length >= 6 * 5 + 3 * 2, `expected every step reported unchanged, got ${unchanged.length}`);
    });
  },
);
