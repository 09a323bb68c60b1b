// The article's second etcd variant (etcd.mode: docker-compose) for real on the lab, air-gapped: the
// image comes from a `docker save` archive in the lab's mirror (Debian's etcd 3.4 as a stand-in
// image, built by lab.sh), reached only through etcd.imageArchiveUrl/imageArchiveSha256. preflight,
// runtime and etcd through real activities and a real dev server; then checked on the hosts.
// The masters are left as they were found: no etcd container, no data, dockerd stopped.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { progressOf, startOrAttach } from '../../src/temporal/client';
import { loadInventory } from '../../src/inventory/load';
import type { ClusterSpec } from '../../src/inventory/spec';
import { ETCD_PKI, etcdDataDir, remotePath } from '../../src/contracts/remote-files';
import { etcdctlTlsFlags } from '../../src/activities/host/etcd-pki';
import { IMAGE_ARCHIVE_MARKERS } from '../../src/activities/host/image-archive';
import { DOWNLOAD_PREFIX } from '../../src/activities/host/verified-download';
import { waitFor } from '../helpers/temporal';
import { canRunLab, LAB_DIR } from '../helpers/lab';
import { tempDir } from '../helpers/inventory';
import { logPhaseTimes, openLabFixture, type LabFixture } from '../helpers/lab-fixture';

/** The lab's hosts hold the cluster of the test before this one: taken as they are (`hakube up --force`). */
const TAKE_HOSTS = { force: true };

const PHASES = ['preflight', 'runtime', 'etcd'];
const ARCHIVE = path.join(LAB_DIR, 'mirror/images/etcd.tar');

/** The lab's inventory with etcd.mode: docker-compose (the archive fields are lab.sh's), as a file of its own. */
function composeSpec(name: string): ClusterSpec {
  const doc = parseDocument(fs.readFileSync(path.join(LAB_DIR, 'cluster.yaml'), 'utf8'));
  doc.setIn(['etcd', 'mode'], 'docker-compose');
  doc.setIn(['ssh', 'keyPath'], path.join(LAB_DIR, '.state/id_ed25519'));
  doc.setIn(['knownHostsFile'], path.join(LAB_DIR, '.state/known_hosts'));
  const file = path.join(tempDir('hakube-etcd-compose-'), 'cluster.yaml');
  fs.writeFileSync(file, doc.toString());
  return { ...loadInventory(file, { requireKeyFiles: true }).spec, name };
}

/** The image ID a `docker save` archive holds (its config's digest, from manifest.json). */
function archiveImageId(): string {
  const manifest = JSON.parse(execFileSync('tar', ['-xOf', ARCHIVE, 'manifest.json'], { encoding: 'utf8' })) as { Config: string }[];
  assert.equal(manifest.length, 1, 'the lab archive holds one image');
  return `sha256:${path.basename(manifest[0].Config).replace(/\.json$/, '')}`;
}

describe('etcd in docker-compose from an image archive on the lab', { skip: !canRunLab() && 'needs root (docker, debootstrap)' }, () => {
  let lab: LabFixture;
  let spec: ClusterSpec;
  const sh = (host: string, command: string, timeoutMs = 60_000) => lab.sh(host, command, timeoutMs);
  /** Exit code and output of a command that may fail. */
  const probe = async (host: string, command: string) => {
    const out = await sh(host, `{ ${command}; } 2>&1; echo "exit=$?"`);
    const code = Number(/exit=(\d+)$/.exec(out)![1]);
    return { code, out: out.replace(/\n?exit=\d+$/, '') };
  };
  const compose = () => remotePath('etcd-compose');

  /** No etcd of any variant on the masters: the systemd one stopped, containers, data, image and markers gone. */
  async function cleanMasters(stopDocker: boolean) {
    for (const m of spec.masters)
      await sh(
        m,
        [
          'systemctl stop etcd 2>/dev/null',
          // the data of a systemd etcd another test left (its env file names it), and Debian's default member
          `d=$(sed -n 's/^ETCD_DATA_DIR=//p' /etc/etcd/etcd.env 2>/dev/null); [ -z "$d" ] || rm -rf "$d"`,
          'rm -rf /var/lib/etcd/default',
          `if command -v docker >/dev/null && systemctl is-active --quiet docker; then
             [ ! -f ${compose()} ] || docker-compose -f ${compose()} down --timeout 20 >/dev/null 2>&1
             docker rm -f etcd >/dev/null 2>&1; docker rmi -f ${spec.etcd.image} >/dev/null 2>&1
           fi`,
          `rm -rf ${etcdDataDir(spec.name)} ${IMAGE_ARCHIVE_MARKERS} ${DOWNLOAD_PREFIX}*`,
          stopDocker ? 'systemctl disable --now docker.socket docker.service >/dev/null 2>&1' : ':',
          'true',
        ].join('; '),
        120_000,
      );
  }

  before(async () => {
    lab = await openLabFixture('etcd-compose');
    spec = composeSpec(lab.spec.name);
    assert.equal(spec.etcd.mode, 'docker-compose');
    assert.ok(spec.etcd.imageArchiveUrl && spec.etcd.imageArchiveSha256, 'lab/cluster.yaml carries the etcd image archive');
    // The mirror of this checkout must be the one serving (another checkout's lab may hold the port).
    const served = await sh(spec.masters[0], `curl -fsS ${spec.etcd.imageArchiveUrl} | sha256sum | cut -d' ' -f1`);
    assert.equal(served, spec.etcd.imageArchiveSha256, `${spec.etcd.imageArchiveUrl} is not this checkout's archive`);
    await cleanMasters(false);
  });
  after(async () => {
    if (spec) await cleanMasters(true).catch((err: unknown) => console.error(`cleaning the masters failed: ${String(err)}`));
    await lab?.close();
  });

  test('a 3-member etcd in docker with TLS, its image loaded from the archive', { timeout: 15 * 60_000 }, async () => {
    const started = Date.now();
    const { handle } = await startOrAttach(lab.client, spec, { taskQueue: lab.taskQueue, onlyPhases: PHASES, options: TAKE_HOSTS });
    const result = await handle.result();
    console.log(`lab: preflight+runtime+etcd (docker-compose) on 6 hosts: ${Math.round((Date.now() - started) / 1000)} s`);
    await logPhaseTimes(lab, handle.workflowId, result);

    const ctl = `docker exec etcd etcdctl${etcdctlTlsFlags(spec)} --endpoints=${spec.etcd.endpoints.join(',')}`;
    assert.ok(spec.etcd.tls && ctl.includes('--cacert='), 'etcd.tls is on by default');
    const members = (await sh('master02', `${ctl} member list -w simple`)).split('\n').map((l) => l.split(', '));
    assert.deepEqual(members.map((m) => m[2]).sort(), [...spec.masters].sort());
    assert.ok(
      members.every((m) => m[1] === 'started'),
      JSON.stringify(members),
    );
    const health = await sh('master03', `${ctl} endpoint health 2>&1`);
    assert.equal(health.split('\n').filter((l) => l.includes('is healthy')).length, 3, health);

    const imageId = archiveImageId();
    for (const m of spec.masters) {
      const address = spec.hosts.find((h) => h.name === m)!.address;
      // etcd runs in docker, not as the systemd unit.
      assert.equal(
        await sh(m, "docker ps --filter name=^etcd$ --format '{{.Image}} {{.Status}}'").then((s) => s.split(' ')[0]),
        spec.etcd.image,
      );
      assert.notEqual(await sh(m, 'systemctl is-active etcd || true'), 'active', m);
      // The image is the archive's (not one pulled or built elsewhere), and so is the container's.
      assert.equal(await sh(m, `docker image inspect -f '{{.Id}}' ${spec.etcd.image}`), imageId, m);
      assert.equal(await sh(m, "docker inspect -f '{{.Image}}' etcd"), imageId, m);
      assert.equal(await sh(m, `ls ${DOWNLOAD_PREFIX}* 2>/dev/null | wc -l`), '0', `${m}: a downloaded archive was left behind`);
      // Plain HTTP and TLS without a client certificate are refused on the client port.
      const plain = await probe('master01', `curl -fsS -m 5 http://${address}:2379/version`);
      assert.ok(plain.code !== 0 && !plain.out.includes('etcdserver'), `${m}: plain HTTP answered: ${plain.out}`);
      console.log(`lab:   ${m} plain HTTP: ${plain.out.split('\n')[0]}`);
      const noCert = await probe('master01', `curl -fsS -m 5 --cacert ${ETCD_PKI.caCert} https://${address}:2379/version`);
      assert.ok(
        noCert.code !== 0 && !noCert.out.includes('etcdserver'),
        `${m}: a request without a client certificate was answered: ${noCert.out}`,
      );
      console.log(`lab:   ${m} no client certificate: ${noCert.out.split('\n')[0]}`);
      const withCert = await sh(
        'master01',
        `curl -sS -m 5 --cacert ${ETCD_PKI.caCert} --cert ${ETCD_PKI.clientCert} --key ${ETCD_PKI.clientKey} https://${address}:2379/version`,
      );
      assert.match(withCert, /"etcdserver":"3\.4\./, `${m}: the client certificate is accepted`);
    }
  });

  test('a second run changes nothing (no download, no container recreated)', { timeout: 10 * 60_000 }, async () => {
    const before = await sh('master01', "docker inspect -f '{{.Id}} {{.State.StartedAt}}' etcd");
    const { handle } = await startOrAttach(lab.client, spec, { taskQueue: lab.taskQueue, onlyPhases: PHASES, options: TAKE_HOSTS });
    const result = await handle.result();
    const changed = result.phases.flatMap((p) => Object.entries(p.hosts).flatMap(([h, r]) => r.changed.map((s) => `${p.id}/${h}: ${s}`)));
    assert.deepEqual(changed, []);
    assert.equal(await sh('master01', "docker inspect -f '{{.Id}} {{.State.StartedAt}}' etcd"), before);
  });

  test(
    'a wrong sha256 fails the step at once, naming both hashes; the running member is left alone',
    { timeout: 10 * 60_000 },
    async () => {
      const wrong = spec.etcd.imageArchiveSha256!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      const bad: ClusterSpec = { ...spec, etcd: { ...spec.etcd, imageArchiveSha256: wrong } };
      const before = await sh('master01', "docker inspect -f '{{.Id}} {{.State.StartedAt}}' etcd");
      const { handle } = await startOrAttach(lab.client, bad, { taskQueue: lab.taskQueue, onlyPhases: ['etcd'], options: TAKE_HOSTS });
      try {
        const paused = await waitFor(
          'the masters paused by the checksum',
          async () => {
            const etcd = (await progressOf(handle)).phases.find((p) => p.id === 'etcd')!;
            const hosts = spec.masters.map((m) => etcd.hosts[m]);
            return hosts.every((h) => h?.state === 'paused') && hosts;
          },
          5 * 60_000,
        );
        for (const host of paused) {
          assert.match(
            host.error ?? '',
            new RegExp(`has sha256 ${spec.etcd.imageArchiveSha256!}, but etcd\\.imageArchiveSha256 pins ${wrong}; nothing was applied`),
            host.error,
          );
          assert.match(host.error ?? '', /etcd\.imageArchiveSha256/);
        }
        // Paused on the first attempt: non-retryable (the step's attempts are in the host workflow's history).
        for (const m of spec.masters) {
          const history = await lab.client.workflow.getHandle(`${handle.workflowId}/etcd/${m}`).fetchHistory();
          const retried = (history.events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
          assert.equal(retried.length, 0, `${m}: the mismatch was retried`);
        }
      } finally {
        await handle.terminate('test done: paused by a wrong sha256 as expected');
      }
      for (const m of spec.masters)
        assert.equal(await sh(m, `ls ${DOWNLOAD_PREFIX}* 2>/dev/null | wc -l`), '0', `${m}: the rejected download was left behind`);
      assert.equal(await sh('master01', "docker inspect -f '{{.Id}} {{.State.StartedAt}}' etcd"), before);
    },
  );
});
