// Day-2 operations on the lab, run for real (real activities over SSH, a real Temporal dev server) and
// checked on the hosts and through the API: install 3+3 → a worker and two masters added by growing
// the lab and editing nothing but the inventory (5 etcd members, 5 haproxy backends, new SANs served)
// → those two masters and the worker removed → an abort during a drain leaves no Node cordoned by
// hakube → a master removed (--force: 2 left) → a removal without quorum refused → reset → install
// again at 1.36.4 → every Node Ready, 3 etcd members → upgraded to 1.36.5, then
// 1.37.1 → backup, a ConfigMap deleted, restore:
// the ConfigMap is back → certificates aged by hand renewed within 30 days, then all of them renewed
// while the API answers through haproxy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { abort, progressOf, startOrAttach } from '../../src/temporal/client';
import type { ClusterSpec } from '../../src/inventory/spec';
import { specAtVersion } from '../../src/inventory/kubernetes-version';
import { sha256OfFile, snapshotsOf } from '../../src/activities/steps/backup';
import { deleteSchedule, scheduleOperation, schedulesOf } from '../../src/temporal/schedules';
import { CORDONED_BY_ANNOTATION } from '../../src/contracts/compensation';
import { etcdctlTlsFlags } from '../../src/activities/host/etcd-pki';
import { waitFor } from '../helpers/temporal';
import { canRunLab } from '../helpers/lab';
import { assertEtcdHealthy, openLabFixture, type LabFixture } from '../helpers/lab-fixture';
import { day2, KUBECTL } from '../helpers/lab-day2';

describe(
  'lifecycle on the lab: add, remove, abort a drain, reset, install again',
  { skip: !canRunLab() && 'needs root (docker, debootstrap)' },
  () => {
    let lab: LabFixture;
    let spec: ClusterSpec;
    const { sh, run, runWithId, nodes, kubeletVersions, haproxyBackends, probingThroughHaproxy, ...d2 } = day2(() => lab);
    const etcdMembers = async () =>
      (await sh('master01', `ETCDCTL_API=3 etcdctl${etcdctlTlsFlags(spec)} --endpoints=https://127.0.0.1:2379 member list -w simple`))
        .split('\n')
        .map((l) => l.split(', ')[2])
        .sort();
    const addressesOf = (s: ClusterSpec) => s.masters.map((m) => s.hosts.find((h) => h.name === m)!.address).sort();
    /** The IP addresses in the certificate the API server on `master` serves (asked from master01, over the network). */
    const servedIps = async (master: string) =>
      [
        ...(
          await sh(
            'master01',
            `openssl s_client -connect ${spec.hosts.find((h) => h.name === master)!.address}:6443 </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName`,
          )
        ).matchAll(/IP Address:([0-9.]+)/g),
      ].map((m) => m[1]!);
    /** What the API servers and the next joins are told about etcd: each master's --etcd-servers, and kubeadm-config. */
    const etcdServersOf = async (master: string) =>
      (await sh(master, "grep -o -- '--etcd-servers=[^ \"]*' /etc/kubernetes/manifests/kube-apiserver.yaml | cut -d= -f2"))
        .split(',')
        .sort();
    const kubeadmConfigEndpoints = async () =>
      (await sh('master01', `${KUBECTL} -n kube-system get configmap kubeadm-config -o json`)).match(/https:\/\/[0-9.]+:2379/g)!.sort();

    const labSize = (masters: number, workers: number) => d2.labSize(masters, workers, spec.name);

    before(async () => {
      lab = await openLabFixture('lab-lifecycle', { fresh: true });
      spec = lab.spec;
    });
    after(async () => {
      if (lab) labSize(3, 3); // the other lab tests expect six hosts
      await lab?.close();
    });

    test('install 3+3, then a worker and two masters added by editing the inventory join alone', { timeout: 25 * 60_000 }, async () => {
      await run('install', spec);
      assert.deepEqual(Object.values(await nodes()), Array(6).fill('True'));
      const grown = (lab.spec = labSize(5, 4));
      assert.deepEqual(
        grown.hosts.map((h) => h.name).filter((h) => !spec.hosts.some((x) => x.name === h)),
        ['master04', 'master05', 'worknode04'],
      );
      const result = await run('install', grown);
      const changedBy = (phase: string, title: string) =>
        Object.entries(result.phases.find((p) => p.id === phase)!.hosts)
          .filter(([, h]) => h.changed.includes(title))
          .map(([h]) => h)
          .sort();
      assert.deepEqual(changedBy('join-workers', 'kubeadm join'), ['worknode04'], 'only the new worker joins');
      assert.deepEqual(changedBy('join-masters', 'kubeadm join --control-plane'), ['master04', 'master05'], 'only the new masters join');
      assert.deepEqual(changedBy('etcd-join', 'etcd member joined'), ['master04', 'master05'], 'only the new masters join etcd');
      spec = grown;
      assert.deepEqual(await etcdMembers(), ['master01', 'master02', 'master03', 'master04', 'master05']);
      const learners = await sh(
        'master01',
        `ETCDCTL_API=3 etcdctl${etcdctlTlsFlags(spec)} --endpoints=https://127.0.0.1:2379 member list -w simple | grep -c ', true$' || true`,
      );
      assert.equal(learners, '0', 'every new member promoted');
      await assertEtcdHealthy(lab, 'master01');
      for (const w of spec.workers)
        assert.deepEqual(await haproxyBackends(w), ['master01', 'master02', 'master03', 'master04', 'master05'], w);
      for (const m of spec.masters) {
        const ips = await servedIps(m);
        for (const a of addressesOf(spec)) assert.ok(ips.includes(a), `${m} serves a certificate for ${a} (has ${ips.join(', ')})`);
        assert.deepEqual(await etcdServersOf(m), spec.etcd.endpoints.slice().sort(), `${m} --etcd-servers`);
      }
      assert.deepEqual(await kubeadmConfigEndpoints(), spec.etcd.endpoints.slice().sort(), 'kubeadm-config for the next joins');
      assert.deepEqual(Object.values(await nodes()), Array(9).fill('True'));
    });

    test('remove master04, master05 and worknode04: 3 etcd members, 3 backends, API servers follow', { timeout: 15 * 60_000 }, async () => {
      const leaving = ['master04', 'master05', 'worknode04'];
      await run('remove', spec, { removing: leaving });
      const after = await nodes();
      for (const h of leaving) assert.equal(after[h], undefined, `${h}: the Node is gone`);
      assert.deepEqual(Object.values(after), Array(6).fill('True'), 'the others stay Ready');
      assert.deepEqual(await etcdMembers(), ['master01', 'master02', 'master03']);
      const staying = ['master01', 'master02', 'master03'];
      for (const w of spec.workers.filter((x) => !leaving.includes(x))) assert.deepEqual(await haproxyBackends(w), staying, w);
      const endpoints = spec.etcd.endpoints.filter((e) => !['.14:', '.15:'].some((x) => e.includes(x))).sort();
      assert.equal(endpoints.length, 3);
      for (const m of staying) assert.deepEqual(await etcdServersOf(m), endpoints, `${m} --etcd-servers`);
      assert.deepEqual(await kubeadmConfigEndpoints(), endpoints, 'kubeadm-config');
      for (const h of leaving) assert.equal(await sh(h, 'systemctl is-active kubelet || true'), 'inactive', h);
      assert.equal(await sh('worknode04', 'apt-mark showhold'), '', 'packages released');
      spec = lab.spec = labSize(3, 3);
    });

    test(
      'an abort during a drain held back by a PodDisruptionBudget leaves no Node cordoned by hakube',
      { timeout: 10 * 60_000 },
      async () => {
        // Three replicas and a budget that allows no disruption: evicting from worknode03 never succeeds.
        const docs = [
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pdb-test' } },
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: 'web', namespace: 'pdb-test' },
            spec: {
              replicas: 3,
              selector: { matchLabels: { app: 'web' } },
              template: {
                metadata: { labels: { app: 'web' } },
                spec: { containers: [{ name: 'web', image: 'lab-standin.invalid/web:1' }] },
              },
            },
          },
          {
            apiVersion: 'policy/v1',
            kind: 'PodDisruptionBudget',
            metadata: { name: 'web', namespace: 'pdb-test' },
            spec: { minAvailable: 3, selector: { matchLabels: { app: 'web' } } },
          },
        ];
        // YAML documents written as JSON (YAML reads JSON), applied as a real operator would.
        await sh('master01', `printf '%s\\n---\\n' ${docs.map((d) => `'${JSON.stringify(d)}'`).join(' ')} | ${KUBECTL} apply -f -`);
        await waitFor(
          'a web pod on worknode03',
          async () => (await sh('master01', `${KUBECTL} get pods -n pdb-test -o wide --no-headers`)).includes('worknode03'),
          60_000,
        );
        await sh('master01', `${KUBECTL} cordon worknode02`); // cordoned by the operator: hakube must leave it so
        try {
          await abortedDrain();
        } finally {
          await sh(
            'master01',
            `${KUBECTL} uncordon worknode02; ${KUBECTL} -n pdb-test delete poddisruptionbudgets web --ignore-not-found; ${KUBECTL} -n pdb-test delete deployments web --ignore-not-found`,
          );
        }
      },
    );

    /** A removal of worknode03 aborted while its drain waits on the budget; checked on the cluster and the host. */
    async function abortedDrain() {
      const { handle } = await startOrAttach(lab.client, spec, {
        taskQueue: lab.taskQueue,
        operation: 'remove',
        options: { removing: ['worknode03'], drainTimeoutSeconds: 120 },
      });
      await waitFor('worknode03 cordoned by the drain', async () => (await nodes()).worknode03 === 'True,cordoned', 120_000);
      assert.equal((await progressOf(handle)).phases.find((p) => p.id === 'drain')!.hosts.worknode03.state, 'running');
      await abort(handle);
      await assert.rejects(handle.result(), (err: Error) =>
        /aborted by the operator/.test((err.cause as Error | undefined)?.message ?? ''),
      );
      const after = await nodes();
      assert.equal(after.worknode03, 'True', 'the Node hakube cordoned is uncordoned');
      assert.equal(after.worknode02, 'True,cordoned', "the operator's cordon is left alone");
      assert.equal(await sh('master01', `${KUBECTL} get node worknode03 -o json | grep -c '${CORDONED_BY_ANNOTATION}' || true`), '0');
      assert.equal(await sh('worknode03', 'systemctl is-active kubelet'), 'active', 'nothing ran on the host');
    }

    test(
      'remove master03 (--force, 2 left): etcd member gone, every haproxy without it; a removal without quorum is refused',
      { timeout: 10 * 60_000 },
      async () => {
        const result = await run('remove', spec, { removing: ['master03'], force: true });
        assert.ok(result.phases.find((p) => p.id === 'remove-check')!.hosts.master01.warnings?.some((w) => w.includes('fewer than 3')));
        assert.deepEqual(await etcdMembers(), ['master01', 'master02']);
        for (const w of spec.workers) assert.deepEqual(await haproxyBackends(w), ['master01', 'master02'], w);
        assert.equal((await nodes()).master03, undefined);
        assert.equal(await sh('master03', `test -e /var/lib/etcd/${spec.name} && echo kept || echo erased`), 'erased');
        assert.deepEqual(Object.values(await nodes()), Array(5).fill('True'), 'the others stay Ready');

        // master02 would leave 1 member: the check refuses before anything changes, and the host pauses.
        const { handle } = await startOrAttach(lab.client, spec, {
          taskQueue: lab.taskQueue,
          operation: 'remove',
          options: { removing: ['master02'] },
        });
        const paused = await waitFor('the removal check pauses', async () => {
          const p = await progressOf(handle);
          return p.status === 'paused' && p.phases.find((x) => x.id === 'remove-check')!.hosts.master01;
        });
        assert.match(paused.error ?? '', /leaves 1 etcd member.*--force/);
        await abort(handle);
        await assert.rejects(handle.result());
        assert.deepEqual(await etcdMembers(), ['master01', 'master02'], 'nothing changed');
      },
    );

    test(
      'reset --wipe-etcd --purge, then install again at 1.36.4: six Nodes Ready, three etcd members',
      { timeout: 20 * 60_000 },
      async () => {
        await run('reset', spec, { wipeEtcd: true, purge: true }); // purged: the install after it is of an older version
        for (const h of spec.hosts.map((x) => x.name)) {
          assert.equal(await sh(h, 'ls /etc/kubernetes/manifests/ /etc/kubernetes/*.conf 2>/dev/null | grep -c conf || true'), '0', h);
          assert.equal(await sh(h, 'systemctl is-active kubelet haproxy etcd || true'), 'inactive\ninactive\ninactive', h);
        }
        for (const m of spec.masters)
          assert.equal(await sh(m, `test -e /var/lib/etcd/${spec.name} && echo kept || echo erased`), 'erased', m);
        // An older version than the lab's default, so that the upgrade test after this one has somewhere to go.
        spec = specAtVersion(spec, '1.36.4');
        // The HA check ran twice already in this file (the first install, the grown cluster): a third adds a minute.
        const installing = Date.now();
        const { result, workflowId } = await runWithId('install', { ...spec, verify: { ...spec.verify, ha: false } });
        assert.deepEqual(Object.values(await nodes()), Array(6).fill('True'));
        // The purge left hakube's etcd unit in /etc/systemd/system: the runtime phase's apt run installs
        // etcd-server, whose postinst must not start that stale member; the first start comes from the etcd phases.
        for (const m of spec.masters) {
          const firstStart = Number(
            await sh(
              m,
              `journalctl -u etcd.service --since @${Math.floor(installing / 1000)} -o short-unix --no-pager | grep -m1 -E 'Starting|Started' | cut -d' ' -f1`,
            ),
          );
          const etcdPhases = result.phases.filter((p) => (p.id === 'etcd-join' || p.id === 'etcd') && p.hosts[m]);
          const described = await Promise.all(
            etcdPhases.map((p) => lab.client.workflow.getHandle(`${workflowId}/${p.id}/${m}`).describe()),
          );
          const etcdPhaseStart = Math.min(...described.map((d) => d.startTime.getTime())) / 1000;
          assert.ok(firstStart > 0, `${m}: etcd started during the install`);
          assert.ok(
            firstStart >= etcdPhaseStart,
            `${m}: etcd first started at ${firstStart}, before its etcd phase began (${etcdPhaseStart})`,
          );
        }
        assert.deepEqual([...new Set(Object.values(await kubeletVersions()))], ['v1.36.4']);
        await assertEtcdHealthy(lab, 'master01');
      },
    );

    test(
      'upgrade to the next patch, then the next minor: every node drained, upgraded, Ready on the new version; a second run changes nothing; a downgrade is refused',
      { timeout: 30 * 60_000 },
      async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hakube-upgrade-'));
        /** "kubeadm=1.36.5-labstandin ... held:kubeadm ..." sorted: the installed versions and the holds. */
        const packagesOn = async (h: string) =>
          (
            await sh(
              h,
              "dpkg-query -W -f='${Package}=${Version}\\n' kubeadm kubelet kubectl; apt-mark showhold kubeadm kubelet kubectl | sed 's/^/held:/'",
            )
          )
            .split('\n')
            .sort()
            .join(' ');
        const assertAt = async (version: string) => {
          assert.deepEqual(await kubeletVersions(), Object.fromEntries(spec.hosts.map((h) => [h.name, `v${version}`])));
          assert.deepEqual(Object.values(await nodes()), Array(6).fill('True'), 'every Node Ready and uncordoned');
          for (const h of spec.hosts.map((x) => x.name))
            assert.equal(
              await packagesOn(h),
              `held:kubeadm held:kubectl held:kubelet kubeadm=${version}-labstandin kubectl=${version}-labstandin kubelet=${version}-labstandin`,
              `${h}: packages at ${version} and held`,
            );
          for (const m of spec.masters) {
            const address = spec.hosts.find((h) => h.name === m)!.address;
            assert.match(
              await sh('master01', `curl -sk https://${address}:6443/version`),
              new RegExp(`"gitVersion": *"v${version}`),
              `${m}'s API server`,
            );
          }
          assert.match(
            await sh('master01', `${KUBECTL} -n kube-system get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}'`),
            new RegExp(`kubernetesVersion: v${version}`),
          );
          await assertEtcdHealthy(lab, 'master01');
        };
        const upgradedOn = (result: Awaited<ReturnType<typeof run>>) =>
          result.phases
            .filter((p) => p.id.startsWith('upgrade-'))
            .flatMap((p) =>
              Object.entries(p.hosts)
                .filter(([, h]) => h.changed.length > 0)
                .map(([h]) => h),
            )
            .sort();

        // The patch, workers two at a time.
        const patch = specAtVersion(spec, '1.36.5');
        const first = await run('upgrade', patch, { upgradeBatch: '2', backupDir: dir, keep: 3 });
        assert.deepEqual(upgradedOn(first), spec.hosts.map((h) => h.name).sort());
        await assertAt('1.36.5');
        assert.equal(snapshotsOf(dir, spec.name).length, 1, 'a snapshot taken before the upgrade');

        // The same again: nothing drained, installed or restarted anywhere.
        const kubeletStarted = await sh('worknode01', 'systemctl show -p ActiveEnterTimestampMonotonic --value kubelet');
        assert.deepEqual(upgradedOn(await run('upgrade', patch, { upgradeBatch: '2', backupDir: dir, keep: 3 })), []);
        assert.equal(await sh('worknode01', 'systemctl show -p ActiveEnterTimestampMonotonic --value kubelet'), kubeletStarted);

        // The next minor (the apt pin moves to 1.37.1-*), half the workers at a time, while a worker asks
        // the API through its haproxy.
        const minor = specAtVersion(spec, '1.37.1');
        const probes = await probingThroughHaproxy('worknode03', () =>
          run('upgrade', minor, { upgradeBatch: '50%', backupDir: dir, keep: 3 }),
        );
        console.log(
          `lab: API through haproxy during the minor upgrade: ${probes.ok} answers, ${probes.failed} failures ${JSON.stringify(probes.failures)}`,
        );
        assert.ok(probes.ok > 10, 'the probe ran');
        await assertAt('1.37.1');

        // Back to 1.36.5: refused by the check before anything changes.
        const { handle } = await startOrAttach(lab.client, patch, {
          taskQueue: lab.taskQueue,
          operation: 'upgrade',
          options: { backupDir: dir, keep: 3 },
        });
        const paused = await waitFor('the downgrade refused', async () => {
          const p = await progressOf(handle);
          return p.status === 'paused' && p.phases.find((x) => x.id === 'upgrade-check')!.hosts.master01;
        });
        assert.match(paused.error ?? '', /runs v1\.37\.1, newer than v1\.36\.5: kubeadm does not downgrade/);
        await abort(handle);
        await assert.rejects(handle.result());
        await assertAt('1.37.1');
        spec = minor;
        fs.rmSync(dir, { recursive: true, force: true });
      },
    );

    test(
      'backup, a ConfigMap deleted, restore: the ConfigMap is back, every Node Ready, old data kept',
      { timeout: 15 * 60_000 },
      async () => {
        const probe = {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'backup-probe', namespace: 'default' },
          data: { k: 'before' },
        };
        await sh('master01', `echo '${JSON.stringify(probe)}' | ${KUBECTL} apply -f -`);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hakube-backups-'));
        await run('backup', spec, { backupDir: dir, keep: 2 });
        const [snapshot] = snapshotsOf(dir, spec.name);
        assert.ok(snapshot, `a snapshot in ${dir}`);
        const file = path.join(dir, snapshot);
        const sha = await sha256OfFile(file);
        assert.equal(fs.readFileSync(`${file}.sha256`, 'utf8'), `${sha}  ${snapshot}\n`);
        assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'the snapshot holds every Secret: owner only');

        await sh('master01', `${KUBECTL} delete configmap backup-probe -n default`);
        assert.equal(await sh('master01', `${KUBECTL} get configmap backup-probe -n default 2>&1 | grep -c NotFound || true`), '1');
        await run('restore', spec, { snapshotFile: file, snapshotSha256: sha });
        assert.equal(await sh('master01', `${KUBECTL} get configmap backup-probe -n default -o jsonpath='{.data.k}'`), 'before');
        assert.deepEqual(Object.values(await nodes()), Array(6).fill('True'));
        await assertEtcdHealthy(lab, 'master01');
        for (const m of spec.masters)
          assert.equal(await sh(m, `ls -d /var/lib/etcd/${spec.name}.before-restore-* | wc -l`), '1', `${m} keeps the data from before`);

        // Retention: two more snapshots with --keep 2 leave the last two (a second apart: names are per second).
        for (let i = 0; i < 2; i++) {
          await new Promise((r) => setTimeout(r, 1100));
          await run('backup', spec, { backupDir: dir, keep: 2 });
        }
        const kept = snapshotsOf(dir, spec.name);
        assert.equal(kept.length, 2);
        assert.ok(!kept.includes(snapshot), 'the oldest snapshot removed');
        fs.rmSync(dir, { recursive: true, force: true });
      },
    );

    test('a backup schedule fires and its run leaves a snapshot; deleted, it is gone', { timeout: 5 * 60_000 }, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hakube-scheduled-'));
      const { scheduleId } = await scheduleOperation(lab.client, spec, {
        operation: 'backup',
        taskQueue: lab.taskQueue,
        everyMs: 10_000,
        options: { backupDir: dir, keep: 1 },
      });
      try {
        await waitFor('a scheduled snapshot', async () => snapshotsOf(dir, spec.name).length > 0, 120_000);
        const [listed] = await schedulesOf(lab.client, spec.name);
        assert.equal(listed!.scheduleId, scheduleId);
        assert.equal(listed!.every, '10s');
        assert.ok(listed!.recentRuns.length >= 1, 'the Schedule shows the run');
        assert.ok(listed!.recentRuns[0]!.workflowId.startsWith(`hakube-${spec.name}.backup-`), listed!.recentRuns[0]!.workflowId);
      } finally {
        await deleteSchedule(lab.client, scheduleId);
        // A run the schedule started just before is let finish (it does not outlive the test's worker).
        for await (const w of lab.client.workflow.list({ query: `WorkflowType = 'backupEtcd' AND ExecutionStatus = 'Running'` }))
          await lab.client.workflow
            .getHandle(w.workflowId, w.runId)
            .result()
            .catch(() => undefined);
      }
      assert.deepEqual(await schedulesOf(lab.client, spec.name), []);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test(
      'certificates: only the aged ones renewed within 30 days, then every one, the API answering through haproxy throughout',
      { timeout: 15 * 60_000 },
      async () => {
        const etcdServer = '/etc/etcd/pki/server.crt';
        const apiserver = '/etc/kubernetes/pki/apiserver.crt';
        const files = [etcdServer, apiserver, '/etc/etcd/pki/apiserver-etcd-client.crt'];
        const fingerprint = (host: string, file: string) => sh(host, `openssl x509 -noout -fingerprint -sha256 -in ${file}`);
        const fingerprints = async () => {
          const out: Record<string, string> = {};
          for (const m of spec.masters) for (const f of files) out[`${m}:${f}`] = await fingerprint(m, f);
          for (const m of spec.masters)
            out[`${m}:admin.conf`] = await sh(m, "awk '/client-certificate-data:/ { print $2 }' /etc/kubernetes/admin.conf | sha256sum");
          return out;
        };
        const served = (m: string, port: number) =>
          sh(
            'master01',
            `openssl s_client -connect ${spec.hosts.find((h) => h.name === m)!.address}:${port} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`,
          );
        const sansOf = (m: string) => sh(m, `openssl x509 -noout -ext subjectAltName -in ${apiserver}`);
        /** Signed again for 5 days by its own CA (keeping key, subject and names): as a certificate near its end looks. */
        const age = (host: string, dir: string, name: string) =>
          sh(
            host,
            `cd ${dir} && openssl x509 -x509toreq -copy_extensions copyall -in ${name}.crt -signkey ${name}.key -out /tmp/aged.csr 2>/dev/null && ` +
              `openssl x509 -req -in /tmp/aged.csr -copy_extensions copyall -CA ca.crt -CAkey ca.key -set_serial 0x$(openssl rand -hex 8) -days 5 -out ${name}.crt 2>/dev/null && rm /tmp/aged.csr && ` +
              `openssl x509 -checkend $((6 * 86400)) -noout -in ${name}.crt | grep -c 'will expire'`,
          );
        assert.equal(await age('master01', '/etc/etcd/pki', 'server'), '1');
        assert.equal(await age('master02', '/etc/kubernetes/pki', 'apiserver'), '1');
        const sansBefore = await sansOf('master02');
        const before = await fingerprints();

        // --within 30: master01's etcd server certificate and master02's control plane, nothing else.
        const due = await run('renew-certs', spec, { renewWithinDays: 30 });
        const changedOn = (phase: string) =>
          Object.entries(due.phases.find((p) => p.id === phase)!.hosts)
            .filter(([, h]) => h.changed.length > 0)
            .map(([h]) => h);
        assert.deepEqual(changedOn('etcd-certs'), ['master01']);
        assert.deepEqual(changedOn('control-plane-certs'), ['master02']);
        const afterDue = await fingerprints();
        const differing = Object.keys(before)
          .filter((k) => before[k] !== afterDue[k])
          .sort();
        assert.deepEqual(differing, [
          'master01:/etc/etcd/pki/server.crt',
          'master02:/etc/kubernetes/pki/apiserver.crt',
          'master02:admin.conf',
        ]);
        assert.equal(
          await sh('master01', `openssl x509 -checkend $((300 * 86400)) -noout -in ${etcdServer}`),
          'Certificate will not expire',
        );
        assert.equal(
          await sh('master02', `openssl x509 -checkend $((300 * 86400)) -noout -in ${apiserver}`),
          'Certificate will not expire',
        );
        assert.equal(await sansOf('master02'), sansBefore, 'the renewed certificate keeps its names');
        assert.equal(await served('master02', 6443), afterDue[`master02:${apiserver}`], 'master02 serves its renewed certificate');
        assert.equal(await served('master01', 2379), afterDue[`master01:${etcdServer}`], 'etcd on master01 serves its renewed certificate');

        // Every certificate renewed, while a worker asks the API through its haproxy all along.
        const probes = await probingThroughHaproxy('worknode01', () => run('renew-certs', spec));
        console.log(
          `lab: API through haproxy during the renewal: ${probes.ok} answers, ${probes.failed} failures ${JSON.stringify(probes.failures)}`,
        );
        const afterAll = await fingerprints();
        for (const k of Object.keys(afterAll)) assert.notEqual(afterAll[k], afterDue[k], `${k} renewed`);
        for (const m of spec.masters)
          assert.equal(await served(m, 6443), afterAll[`${m}:${apiserver}`], `${m} serves its renewed certificate`);
        assert.ok(probes.ok > 10, 'the probe ran');
        // No outage: never two failed probes in a row (a probe waits up to 2 s), and at most one failed
        // request per API server restarted (haproxy sends round-robin: an API server that kept cutting
        // requests would fail every third probe). A single request cut by an API server that stops can
        // happen to the real one as well (kubeadm sets no --shutdown-delay-duration; haproxy re-sends only
        // connections that fail to open); each failure's answer is printed above.
        assert.ok(
          probes.failedInARow < 2 && probes.failed <= spec.masters.length,
          `the API answered through haproxy during the whole renewal: ${probes.failures.join('; ')}`,
        );
        assert.deepEqual(Object.values(await nodes()), Array(6).fill('True'));
        await assertEtcdHealthy(lab, 'master01');
      },
    );
  },
);
