// What a user does with the real kubectl and the real Helm against an installed lab cluster, each step
// checked by its output, on either lane: the stand-in lane (its API server answers; the lab's kubectl package
// carries the real kubectl 1.37.1, its helm package the real Helm 4.3.1) and the real lane (the real API
// server; kubectl built from its upstream module, Helm the same real 4.3.1). Run on the first master with the admin
// kubeconfig. Leaves the cluster as it found it (its own namespace deleted, the drained worker uncordoned),
// so the tests after it see the install unchanged.
import assert from 'node:assert/strict';

/** Runs a shell command on the first master; resolves with stdout+stderr and the exit code. */
export type Shell = (command: string) => Promise<{ code: number; out: string }>;

const K = 'kubectl --kubeconfig /etc/kubernetes/admin.conf';
const NS = 'real-clients';
const WORKER = 'worknode03';

const MANIFEST = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: ${NS}}
data: {mode: "one"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${NS}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "IMAGE", args: [netexec, --http-port=8080], ports: [{containerPort: 8080}]}]
`;

// A small local chart (a test fixture): a ConfigMap from a value and a Deployment.
const CHART: Record<string, string> = {
  'Chart.yaml': 'apiVersion: v2\nname: hello\nversion: 0.1.0\nappVersion: "1.0"\n',
  'values.yaml': 'message: hello\nreplicas: 1\n',
  'templates/configmap.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  message: {{ .Values.message | quote }}\n',
  'templates/deployment.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: {{ .Release.Name }}-web',
    'spec:',
    '  replicas: {{ .Values.replicas }}',
    '  selector: {matchLabels: {app: {{ .Release.Name }}-web}}',
    '  template:',
    '    metadata: {labels: {app: {{ .Release.Name }}-web}}',
    '    spec: {containers: [{name: web, image: "IMAGE", args: [netexec, --http-port=8080]}]}',
    '',
  ].join('\n'),
};

const writeFile = (path: string, text: string) => `mkdir -p "$(dirname ${path})" && printf '%s' '${text.replace(/'/g, `'\\''`)}' > ${path}`;

/** What differs between the lanes. */
export interface ClientLane {
  /** Every node's name. */
  nodes: string[];
  /** The base URL of the mirror's upstream manifests (calico.yaml, ingress-nginx.yaml, dashboard.yaml, contour.yaml, headlamp.yaml). */
  manifests: string;
  /** kubectl's own gitVersion. */
  kubectl: string;
  /** The pod network's DaemonSet. */
  cni: { namespace: string; daemonSet: string };
  /** The image of the Deployment and of the chart (agnhost's arguments: it must run where pods really run). */
  image: string;
  /** Manifests hakube installed as published: a diff against the cluster shows nothing. */
  installed: string[];
  /** Manifests applied here (created, then unchanged), then deleted. */
  applied: string[];
}

/** The stand-in lane: Calico, ingress-nginx and the dashboard installed by hakube; images never pulled. */
export const STANDIN_CLIENT_LANE: Omit<ClientLane, 'nodes' | 'manifests'> = {
  kubectl: 'v1.37.1',
  cni: { namespace: 'kube-system', daemonSet: 'calico-node' },
  image: 'lab-standin.invalid/web:1.0',
  installed: ['calico', 'ingress-nginx', 'dashboard'],
  applied: ['contour', 'headlamp'],
};

export async function checkRealClients(sh: Shell, lane: ClientLane): Promise<void> {
  const { nodes, manifests } = lane;
  const ok = async (command: string) => {
    const r = await sh(command);
    assert.equal(r.code, 0, `${command}\n${r.out}`);
    return r.out.trim();
  };

  // What an interrupted run may have left: its namespace, the worker cordoned.
  await ok(`${K} delete namespace ${NS} --ignore-not-found && ${K} uncordon ${WORKER}`);

  // The binary is the real one, and talks to the server.
  const version = JSON.parse(await ok(`${K} version -o json`)) as {
    clientVersion: { gitVersion: string };
    serverVersion: { gitVersion: string };
  };
  assert.equal(version.clientVersion.gitVersion, lane.kubectl);
  assert.match(version.serverVersion.gitVersion, /^v1\.3[67]\.\d+$/);

  // Server-side printing: the real columns, every node Ready.
  const table = await ok(`${K} get nodes`);
  assert.match(table, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n/);
  for (const n of nodes) assert.match(table, new RegExp(`^${n}\\s+Ready\\s`, 'm'), table);
  const pods = await ok(`${K} get pods -A -o wide`);
  assert.match(pods, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s/);
  const cniPod = new RegExp(`^${lane.cni.namespace}\\s+${lane.cni.daemonSet}-\\S+\\s+1/1\\s+Running\\s`);
  assert.equal(pods.split('\n').filter((l) => cniPod.test(l)).length, nodes.length, pods);
  const resources = await ok(`${K} api-resources`);
  assert.match(resources, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
  assert.match(resources, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);

  // Typed create (a protobuf body), apply twice, diff, patch.
  assert.match(await ok(`${K} create namespace ${NS}`), /^namespace\/real-clients created$/m);
  await ok(writeFile('/tmp/real-clients.yaml', MANIFEST.replace('IMAGE', lane.image)));
  const first = await ok(`${K} apply -f /tmp/real-clients.yaml`);
  assert.match(first, /^configmap\/settings created$/m);
  assert.match(first, /^deployment\.apps\/web created$/m);
  const second = await ok(`${K} apply -f /tmp/real-clients.yaml`);
  assert.match(second, /^configmap\/settings unchanged$/m);
  assert.match(second, /^deployment\.apps\/web unchanged$/m);
  assert.equal((await sh(`${K} diff -f /tmp/real-clients.yaml`)).code, 0, 'diff of what is applied: nothing');
  await ok(`sed 's/mode: "one"/mode: "two"/' /tmp/real-clients.yaml > /tmp/real-clients-2.yaml`);
  const diff = await sh(`${K} diff -f /tmp/real-clients-2.yaml`);
  assert.equal(diff.code, 1, diff.out);
  assert.match(diff.out, /^-\s+mode: one$/m);
  assert.match(diff.out, /^\+\s+mode: two$/m);
  assert.equal(
    await ok(`${K} -n ${NS} get configmap settings -o jsonpath='{.data.mode}'`),
    'one',
    'diff (a server dry run) changed nothing',
  );
  assert.match(await ok(`${K} -n ${NS} patch configmap settings --type merge -p '{"data":{"extra":"x"}}'`), /configmap\/settings patched/);
  assert.equal(await ok(`${K} -n ${NS} get configmap settings -o jsonpath='{.data.extra}'`), 'x');

  // Optimistic concurrency: a replace from a stale read is refused (409), from a fresh one accepted.
  await ok(`${K} -n ${NS} get configmap settings -o json > /tmp/real-clients-stale.json`);
  await ok(`${K} -n ${NS} patch configmap settings --type merge -p '{"data":{"extra":"y"}}'`);
  const stale = await sh(`${K} replace -f /tmp/real-clients-stale.json`);
  assert.equal(stale.code, 1, stale.out);
  assert.match(stale.out, /Operation cannot be fulfilled on configmaps "settings": the object has been modified/);
  assert.match(await ok(`${K} -n ${NS} get configmap settings -o json | ${K} replace -f -`), /configmap\/settings replaced/);

  // Server-side apply: applied, a second manager's conflicting value refused.
  await ok(`sed 's/mode: "one"/mode: "ssa"/' /tmp/real-clients.yaml > /tmp/real-clients-ssa.yaml`);
  assert.match(await ok(`${K} apply --server-side -f /tmp/real-clients-ssa.yaml`), /configmap\/settings serverside-applied/);
  const conflict = await sh(
    `sed 's/mode: "ssa"/mode: "other"/' /tmp/real-clients-ssa.yaml | ${K} apply --server-side --field-manager other -f -`,
  );
  assert.equal(conflict.code, 1, conflict.out);
  assert.match(conflict.out, /Apply failed with 1 conflict: conflict with "kubectl": \.data\.mode/);

  // Watches: wait and rollout status.
  assert.match(
    await ok(`${K} -n ${NS} wait --for=condition=Available deployment/web --timeout=90s`),
    /deployment\.apps\/web condition met/,
  );
  assert.match(await ok(`${K} -n ${NS} rollout status deployment/web --timeout=90s`), /deployment "web" successfully rolled out/);
  assert.match(
    await ok(`${K} -n ${lane.cni.namespace} rollout status daemonset/${lane.cni.daemonSet} --timeout=90s`),
    new RegExp(`daemon set "${lane.cni.daemonSet}" successfully rolled out`),
  );

  // Tokens and authorization.
  assert.match(await ok(`${K} -n ${NS} create token default`), /^[\w-]+\.[\w-]+\.[\w-]+\s*$/);
  assert.equal((await ok(`${K} auth can-i create deployments -n ${NS}`)).trim(), 'yes');
  const denied = await sh(`${K} auth can-i create deployments -n ${NS} --as system:serviceaccount:${NS}:default`);
  assert.equal(denied.code, 1, denied.out);
  assert.match(denied.out, /^no/);

  // cordon / drain / uncordon a worker (its Deployment pods move, DaemonSet pods stay).
  assert.match(await ok(`${K} cordon ${WORKER}`), new RegExp(`node/${WORKER} cordoned`));
  assert.match(await ok(`${K} get node ${WORKER}`), new RegExp(`${WORKER}\\s+Ready,SchedulingDisabled\\s`));
  assert.match(
    await ok(`${K} drain ${WORKER} --ignore-daemonsets --delete-emptydir-data --timeout=120s 2>&1`),
    new RegExp(`node/${WORKER} drained`),
  );
  const owners = await ok(
    `${K} get pods -A --field-selector spec.nodeName=${WORKER} -o jsonpath='{range .items[*]}{.metadata.ownerReferences[0].kind}{"\\n"}{end}'`,
  );
  assert.deepEqual(
    owners.split('\n').filter((kind) => kind && kind !== 'DaemonSet'),
    [],
    `pods left on ${WORKER} after the drain, by owner kind`,
  );
  assert.match(await ok(`${K} uncordon ${WORKER}`), new RegExp(`node/${WORKER} uncordoned`));

  // Helm: install, upgrade, list, uninstall a local chart (from the lab mirror's helm package).
  await ok(
    'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq helm >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq helm)',
  );
  for (const [file, text] of Object.entries(CHART)) await ok(writeFile(`/tmp/hello-chart/${file}`, text.replace('IMAGE', lane.image)));
  const H = `helm --kubeconfig /etc/kubernetes/admin.conf -n ${NS}`;
  assert.match(await ok(`${H} version --template '{{.Version}}'`), /^v4\.3\.1$/);
  assert.match(await ok(`${H} install hello /tmp/hello-chart --wait --timeout 90s`), /STATUS: deployed/);
  assert.match(await ok(`${H} upgrade hello /tmp/hello-chart --set message=bye --wait --timeout 90s`), /REVISION: 2/);
  assert.equal(await ok(`${K} -n ${NS} get configmap hello-config -o jsonpath='{.data.message}'`), 'bye');
  assert.match(await ok(`${H} list`), /^hello\s+real-clients\s+2\s+.*\sdeployed\s+hello-0\.1\.0\s+1\.0\s*$/m);
  assert.match(await ok(`${H} uninstall hello --wait`), /release "hello" uninstalled/);
  assert.equal((await sh(`${K} -n ${NS} get configmap hello-config`)).code, 1, 'uninstall deleted the chart objects');

  // The real upstream manifests: those hakube installed have nothing to change; the others apply twice
  // (created, then unchanged) and are deleted again.
  for (const name of [...lane.installed, ...lane.applied]) await ok(`curl -fsS ${manifests}/${name}.yaml -o /tmp/upstream-${name}.yaml`);
  for (const name of lane.installed) {
    const d = await sh(`${K} diff -f /tmp/upstream-${name}.yaml`);
    assert.equal(d.code, 0, `${name}.yaml, installed by hakube, differs from the cluster:\n${d.out}`);
  }
  for (const name of lane.applied) {
    // (kubectl's "Warning: …" lines, on stderr, are not about what it applied)
    const lines = async () => (await ok(`${K} apply -f /tmp/upstream-${name}.yaml`)).split('\n').filter((l) => !l.startsWith('Warning: '));
    const created = await lines();
    assert.ok(created.length > 1 && created.every((l) => / created$/.test(l)), `${name}: ${created.join('\n')}`);
    const again = await lines();
    assert.deepEqual(
      again.filter((l) => !/ unchanged$/.test(l)),
      [],
      `${name}, applied again`,
    );
    assert.equal(again.length, created.length);
    await ok(`${K} delete -f /tmp/upstream-${name}.yaml --ignore-not-found`);
  }
  await ok('rm -f /tmp/upstream-*.yaml');

  // Deletion: the namespace and everything in it.
  assert.match(await ok(`${K} delete namespace ${NS}`), /namespace "real-clients" deleted/);
  assert.match((await sh(`${K} -n ${NS} get deployment web`)).out, /NotFound/);
  await ok('rm -rf /tmp/real-clients*.yaml /tmp/real-clients-stale.json /tmp/hello-chart');
}
