// The haproxy phase on the lab workers, with haproxy made to fail on one of them (its port taken):
// that worker's kubelet.conf and bootstrap-kubelet.conf come back byte for byte and its kubelet is
// restarted, while the other workers switch to https://127.0.0.1:6443.
// So that the haproxy phase runs alone (no cluster, a few seconds), the test seeds what kubeadm join
// leaves on a worker: the two kubeconfigs and a kubelet unit (a placeholder process, named as such).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { abort, progressOf, startOrAttach } from '../../src/temporal/client';
import { waitFor } from '../helpers/temporal';
import { canRunLab } from '../helpers/lab';
import { openLabFixture, type LabFixture } from '../helpers/lab-fixture';

const kubeconfig = (user: string, server: string) => `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: TEFCIFNFRUQgQ0E=
    server: ${server}
  name: kubernetes
contexts:
- context: {cluster: kubernetes, user: ${user}}
  name: ${user}@kubernetes
current-context: ${user}@kubernetes
users:
- name: ${user}
  user: {client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem}
`;
const PLACEHOLDER_KUBELET = `[Unit]
Description=lab test seed: placeholder for the kubelet (the haproxy phase alone, without a cluster)
[Service]
ExecStart=/bin/sleep infinity
[Install]
WantedBy=multi-user.target
`;
const STARTED = 'systemctl show -p ActiveEnterTimestampMonotonic --value kubelet';

describe(
  'haproxy on the lab workers; a failing one is put back by its compensation',
  { skip: !canRunLab() && 'needs root (docker, debootstrap)' },
  () => {
    let lab: LabFixture;
    let spec: LabFixture['spec'];
    let taskQueue: string;
    const sh = (host: string, command: string) => lab.shRaw(host, command);

    before(async () => {
      // Fresh hosts: an installed kubelet's drop-in would replace the seeded placeholder.
      lab = await openLabFixture('lab-haproxy', { fresh: true });
      ({ spec, taskQueue } = lab);
    });
    after(async () => {
      await lab?.shRaw('worknode02', 'systemctl stop hakube-test-port-squatter 2>/dev/null; true').catch(() => {});
      await lab?.close();
    });

    test('worknode02 restored byte for byte with kubelet restarted; worknode01/03 switched', { timeout: 10 * 60_000 }, async () => {
      const original: Record<string, string> = {};
      for (const w of spec.workers) {
        const conf = kubeconfig(`system:node:${w}`, 'https://10.213.71.13:6443'); // as in the article: one master
        original[w] = conf;
        await sh(
          w,
          `mkdir -p /etc/kubernetes && printf '%s' '${conf}' > /etc/kubernetes/kubelet.conf && printf '%s' '${conf.replace('system:node', 'bootstrap')}' > /etc/kubernetes/bootstrap-kubelet.conf`,
        );
        await sh(
          w,
          `printf '%s' '${PLACEHOLDER_KUBELET}' > /etc/systemd/system/kubelet.service && systemctl daemon-reload && systemctl restart kubelet`,
        );
        await sh(w, 'systemctl stop haproxy 2>/dev/null; rm -f /etc/haproxy/haproxy.cfg.hakube-new; true');
      }
      const bootstrapBefore = await sh('worknode02', 'cat /etc/kubernetes/bootstrap-kubelet.conf');
      // Something else already holds 127.0.0.1:6443 on worknode02.
      await sh(
        'worknode02',
        'systemctl stop hakube-test-port-squatter 2>/dev/null; systemd-run --unit=hakube-test-port-squatter python3 -m http.server 6443 --bind 127.0.0.1 >/dev/null; sleep 1',
      );
      const kubeletStartedBefore = (await sh('worknode02', STARTED)).trim();

      const { handle } = await startOrAttach(lab.client, spec, { taskQueue, onlyPhases: ['haproxy'] });
      const progress = await waitFor(
        'worknode02 paused, the others past the switch',
        async () => {
          const p = await progressOf(handle);
          const h = p.phases.find((x) => x.id === 'haproxy')!.hosts;
          const switched = (w: string) => h[w].changed?.includes('kubelet switched to https://127.0.0.1:6443');
          return h.worknode02.state === 'paused' && switched('worknode01') && switched('worknode03') && h;
        },
        5 * 60_000,
      );
      assert.match(progress.worknode02.error!, /haproxy/);
      // Checked on the hosts directly.
      assert.equal(await sh('worknode02', 'cat /etc/kubernetes/kubelet.conf'), original.worknode02, 'kubelet.conf restored byte for byte');
      assert.equal(
        await sh('worknode02', 'cat /etc/kubernetes/bootstrap-kubelet.conf'),
        bootstrapBefore,
        'bootstrap-kubelet.conf restored byte for byte',
      );
      assert.notEqual((await sh('worknode02', STARTED)).trim(), kubeletStartedBefore, 'kubelet was not restarted');
      assert.equal((await sh('worknode02', 'systemctl is-active kubelet')).trim(), 'active');
      for (const w of ['worknode01', 'worknode03']) {
        assert.match(await sh(w, 'cat /etc/kubernetes/kubelet.conf'), /server: https:\/\/127\.0\.0\.1:6443$/m, w);
        assert.match(await sh(w, 'cat /etc/kubernetes/bootstrap-kubelet.conf'), /server: https:\/\/127\.0\.0\.1:6443$/m, w);
        assert.match(await sh(w, "ss -ltnH 'sport = :6443'"), /127\.0\.0\.1:6443/, w);
        assert.match(await sh(w, 'cat /etc/haproxy/haproxy.cfg'), /server master03 10\.213\.71\.13:6443 check/);
      }
      // The switched workers wait at the "node Ready" gate, which needs an API server: end the run.
      await abort(handle);
      await assert.rejects(handle.result(), (e: Error) => /aborted by the operator/.test((e as { cause?: Error }).cause?.message ?? ''));
      for (const w of ['worknode01', 'worknode03'])
        assert.equal(await sh(w, 'cat /etc/kubernetes/kubelet.conf'), original[w], `${w} put back by abort`);
    });
  },
);
