// The article's cluster on REAL Kubernetes: kubeadm, the kubelet, the control plane, kube-proxy, CoreDNS,
// containerd 2 and runc built from their upstream Go modules (lab/real), served as an air-gapped site's
// mirror serves them (a pkgs.k8s.io-layout apt repository, containerd's release tarball, an OCI registry),
// reached only through the inventory the lab writes (`npm run lab -- up --kubernetes real`). hakube installs
// 3 masters with external etcd over TLS and 3 workers with haproxy, as on the stand-in lane; then the
// real kubectl checks what the stand-ins could only agree with: Nodes Ready, the control plane's static
// pods, kube-proxy and flannel on every node, CoreDNS, and a Service answering across nodes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { progressOf, startOrAttach } from '../../src/temporal/client';
import { canRunLab } from '../helpers/lab';
import { logPhaseTimes, openLabFixture, type LabFixture } from '../helpers/lab-fixture';

const KUBECTL = 'kubectl --kubeconfig /etc/kubernetes/admin.conf';
// Opt-in for now (HAKUBE_REAL_LANE=1): it passed in a whole `npm test`, but removing the real-lane hosts
// afterwards once hung on a frozen pod cgroup (lab.sh remove_host thaws them now); on by default once a
// whole run has shown that teardown holds.
const skip = !canRunLab()
  ? 'needs root (docker, debootstrap)'
  : process.env.HAKUBE_REAL_LANE !== '1' && 'the real lane runs with HAKUBE_REAL_LANE=1';

interface Pod {
  metadata: { name: string; namespace: string };
  spec: { nodeName?: string };
  status: { phase: string; containerStatuses?: { ready: boolean; state: Record<string, { reason?: string }> }[] };
}

describe('the article cluster on real Kubernetes v1.37 (the lab real lane)', { skip }, () => {
  let lab: LabFixture;
  const sh = (host: string, command: string) => lab.sh(host, command, 180_000);
  const pods = async (namespace: string): Promise<Pod[]> =>
    (JSON.parse(await sh('master01', `${KUBECTL} -n ${namespace} get pods -o json`)) as { items: Pod[] }).items;
  const running = (p: Pod) => p.status.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.ready);
  /** Waits (bounded) until `check` holds; returns its last answer either way. */
  async function until<T>(check: () => Promise<T>, ok: (t: T) => boolean, seconds: number): Promise<T> {
    let last = await check();
    for (let i = 0; i < seconds / 5 && !ok(last); i++) {
      await new Promise((r) => setTimeout(r, 5000));
      last = await check();
    }
    return last;
  }

  before(async () => {
    lab = await openLabFixture('lab-real', { fresh: true, kubernetes: 'real' });
  });
  after(async () => {
    await lab?.close();
  });

  test('hakube installs the cluster on the real components', { timeout: 40 * 60_000 }, async () => {
    const started = Date.now();
    const { handle } = await startOrAttach(lab.client, lab.spec, { taskQueue: lab.taskQueue, autoApproveReboots: true });
    // A paused host would wait for an operator: said at once with its error (bounded: 40 min in all).
    let done = false;
    const watching = (async () => {
      for (let i = 0; i < 480 && !done; i++) {
        await new Promise((r) => setTimeout(r, 5000));
        const progress = await progressOf(handle).catch(() => undefined);
        const paused = progress?.phases.flatMap((p) =>
          Object.entries(p.hosts)
            .filter(([, h]) => h.state === 'paused')
            .map(([name, h]) => `${p.id}/${name}: ${h.error ?? ''}`),
        );
        if (paused?.length) {
          await handle.terminate('a host paused in the real-lane test').catch(() => undefined);
          throw new Error(`paused on the real lane:\n${paused.join('\n')}`);
        }
      }
    })();
    const result = await Promise.race([handle.result(), watching.then(() => handle.result())]).finally(() => (done = true));
    console.log(`real lane: install ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await logPhaseTimes(lab, handle.workflowId, result);
    assert.match(await sh('master01', 'kubeadm version -o short'), /^v1\.37\.\d+$/);
  });

  test(
    'six Nodes Ready on the real kubelet, the control plane on every master, kube-proxy and flannel on every node, CoreDNS',
    { timeout: 15 * 60_000 },
    async () => {
      const nodes = await until(
        async () =>
          (
            JSON.parse(await sh('master01', `${KUBECTL} get nodes -o json`)) as {
              items: {
                metadata: { name: string };
                status: { conditions: { type: string; status: string }[]; nodeInfo: { kubeletVersion: string } };
              }[];
            }
          ).items,
        (items) => items.length === 6 && items.every((n) => n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True')),
        300,
      );
      assert.deepEqual(nodes.map((n) => n.metadata.name).sort(), [...lab.spec.masters, ...lab.spec.workers].sort());
      for (const n of nodes) {
        assert.ok(
          n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
          `${n.metadata.name} not Ready`,
        );
        assert.match(n.status.nodeInfo.kubeletVersion, /^v1\.37\.\d+$/);
      }
      const system = await until(
        () => pods('kube-system'),
        (ps) => ps.filter(running).length >= 3 * 3 + 6 + 1,
        300,
      );
      const count = (prefix: string) => system.filter((p) => p.metadata.name.startsWith(prefix) && running(p)).length;
      for (const component of ['kube-apiserver-', 'kube-controller-manager-', 'kube-scheduler-'])
        assert.equal(count(component), 3, component);
      assert.equal(count('kube-proxy-'), 6, 'kube-proxy on every node');
      assert.ok(count('coredns-') >= 1, 'CoreDNS running');
      const flannel = await until(
        () => pods('kube-flannel'),
        (ps) => ps.filter(running).length === 6,
        300,
      );
      assert.equal(flannel.filter(running).length, 6, 'flannel on every node');
      // What cannot run here is said, never hidden: the add-ons whose images cannot be built in the lab.
      for (const ns of [lab.spec.ingress.namespace, lab.spec.dashboard.namespace].filter(Boolean))
        for (const p of (await pods(ns)).filter((x) => !running(x)))
          console.log(
            `real lane: ${ns}/${p.metadata.name} ${p.status.phase}: ${(p.status.containerStatuses ?? []).map((c) => Object.values(c.state)[0]?.reason).join(', ')} (its image is not built in the lab)`,
          );
    },
  );

  test(
    'a Deployment from the lab registry answers through a ClusterIP Service (DNS, kube-proxy, the pod network) and a NodePort',
    { timeout: 15 * 60_000 },
    async () => {
      const image =
        (await sh('master01', 'cat /etc/hakube-lab/agnhost-image 2>/dev/null || true')) || 'registry.k8s.io/e2e-test-images/agnhost:2.66.1';
      const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: { name: echo, namespace: default }
spec:
  replicas: 3
  selector: { matchLabels: { app: echo } }
  template:
    metadata: { labels: { app: echo } }
    spec:
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: { matchLabels: { app: echo } } }]
      containers: [{ name: echo, image: "${image}", args: [netexec, --http-port=8080] }]
---
apiVersion: v1
kind: Service
metadata: { name: echo, namespace: default }
spec: { selector: { app: echo }, ports: [{ port: 80, targetPort: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: echo-nodeport, namespace: default }
spec: { type: NodePort, selector: { app: echo }, ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] }`;
      await sh('master01', `${KUBECTL} apply -f - <<'EOF'\n${manifest}\nEOF`);
      await sh('master01', `${KUBECTL} -n default rollout status deployment/echo --timeout=300s`);
      const echo = (await pods('default')).filter((p) => p.metadata.name.startsWith('echo-') && running(p));
      assert.equal(echo.length, 3);
      const worker = lab.spec.hosts.find((h) => h.name === 'worknode01')!.address;
      // From the machine to a NodePort; the pod that answers asks the Service by its DNS name, so CoreDNS,
      // the ClusterIP (kube-proxy's rules) and the pod network between nodes all take part.
      const dial = await sh(
        'master01',
        `curl -fsS -m 20 'http://${worker}:30080/dial?request=hostname&host=echo.default.svc.cluster.local&port=80&protocol=http&tries=6'`,
      );
      const answered = (JSON.parse(dial) as { responses?: string[] }).responses ?? [];
      assert.ok(answered.length > 0, dial);
      for (const name of answered)
        assert.ok(
          echo.some((p) => p.metadata.name === name),
          `${name} is not an echo pod`,
        );
      console.log(
        `real lane: the Service answered from ${new Set(answered).size} of ${echo.length} pods on ${new Set(echo.map((p) => p.spec.nodeName)).size} nodes`,
      );
    },
  );
});
