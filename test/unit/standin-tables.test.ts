// The stand-in API server's server-side printing (lab/standins/lib/tables.py): the meta.k8s.io/v1 Table that
// kube-apiserver answers when kubectl asks for `as=Table`. The expected cells are those of kube-apiserver's
// printers (pkg/printers/internalversion/printers.go, always run with Wide: true), its generic convertor
// (NAME, CREATED AT) and the CRD convertor (NAME + additionalPrinterColumns). The last tests serve the Table to
// the real kubectl and read what it prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { noPython, noRealKubectl, REAL_KUBECTL, runStandinPython } from '../helpers/standin-lib';

const run = promisify(execFile);

type Json = Record<string, unknown>;
interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}
interface Row {
  cells: unknown[];
  conditions?: Json[];
  object: Json | null;
}
interface Table {
  kind: string;
  apiVersion: string;
  metadata: Json;
  columnDefinitions: Column[];
  rows: Row[];
}
interface Call {
  obj: Json;
  includeObject?: string;
  now?: number;
  printerColumns?: Json[] | null;
}

/** Runs tables.py once over all calls: [to_table(...)...], the wants_table answers and the human_duration ones. */
function py(input: { calls?: Call[]; accepts?: string[]; durations?: number[] }) {
  const script = [
    'import tables',
    'req = json.load(sys.stdin)',
    'out = {"tables": [], "wants": [], "durations": []}',
    'for c in req.get("calls", []):',
    '    out["tables"].append(tables.to_table(c["obj"], c.get("includeObject", "Metadata"), c.get("now"), c.get("printerColumns")))',
    'out["wants"] = [tables.wants_table(a) for a in req.get("accepts", [])]',
    'out["durations"] = [tables.human_duration(s) for s in req.get("durations", [])]',
    'print(json.dumps(out))',
  ].join('\n');
  return JSON.parse(runStandinPython(script, JSON.stringify(input))) as { tables: Table[]; wants: boolean[]; durations: string[] };
}
const table = (call: Call) => py({ calls: [call] }).tables[0]!;
const heads = (t: Table) => t.columnDefinitions.map((c) => [c.name, c.type, c.priority]);
const cells = (t: Table) => t.rows.map((r) => r.cells);

// 2026-01-01T12:00:00Z: every "now" below; ages are relative to it.
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0) / 1000;
const ago = (seconds: number, now = NOW) => new Date((now - seconds) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

const nodeList = (now = NOW): Json => ({
  kind: 'NodeList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '42' },
  items: [
    {
      metadata: {
        name: 'master01',
        uid: 'n-1',
        resourceVersion: '40',
        creationTimestamp: ago(2 * 86400 + 60, now),
        labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'master01' },
      },
      spec: {},
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'Ready', status: 'True' },
        ],
        addresses: [
          { type: 'InternalIP', address: '10.213.71.11' },
          { type: 'Hostname', address: 'master01' },
        ],
        nodeInfo: {
          kubeletVersion: 'v1.37.1',
          osImage: 'Debian GNU/Linux 13 (trixie)',
          kernelVersion: '6.12.38+deb13-amd64',
          containerRuntimeVersion: 'containerd://2.1.4',
        },
      },
    },
    {
      // cordoned, kubelet gone: NotReady,SchedulingDisabled; two roles (sorted), one from kubernetes.io/role
      metadata: {
        name: 'worker01',
        uid: 'n-2',
        resourceVersion: '41',
        creationTimestamp: ago(10 * 86400 + 3600, now),
        labels: { 'node-role.kubernetes.io/worker': '', 'kubernetes.io/role': 'edge' },
      },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' }],
        addresses: [
          { type: 'InternalIP', address: '10.213.71.21' },
          { type: 'ExternalIP', address: '203.0.113.7' },
        ],
        nodeInfo: { kubeletVersion: 'v1.36.5' },
      },
    },
    { metadata: { name: 'fresh', creationTimestamp: ago(45, now) }, status: {} }, // no Ready condition yet
  ],
});

test('wants_table: kubectl get’s Accept header, and only as=Table in meta.k8s.io v1/v1beta1', (t) => {
  if (noPython) return t.skip(noPython);
  const { wants } = py({
    accepts: [
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
      'application/json;as=Table;v=v1beta1;g=meta.k8s.io',
      'application/json',
      'application/json, */*',
      'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json',
      'application/json;as=Table;v=v2;g=meta.k8s.io',
      'application/json;as=Table;v=v1;g=example.com',
      '',
    ],
  });
  assert.deepEqual(wants, [true, true, false, false, false, false, false, false]);
});

test('human_duration: the rules of duration.HumanDuration', (t) => {
  if (noPython) return t.skip(noPython);
  const cases: [number, string][] = [
    [-3, '<invalid>'],
    [-1.5, '0s'],
    [0, '0s'],
    [45, '45s'],
    [119.9, '119s'],
    [120, '2m'],
    [312, '5m12s'],
    [540, '9m'],
    [600, '10m'],
    [659, '10m'],
    [3 * 3600 - 1, '179m'],
    [3 * 3600 + 59, '3h'],
    [7 * 3600 + 59 * 60, '7h59m'],
    [8 * 3600 + 1800, '8h'],
    [47 * 3600 + 3599, '47h'],
    [2 * 86400, '2d'],
    [7 * 86400 + 23 * 3600, '7d23h'],
    [8 * 86400 + 5 * 3600, '8d'],
    [729 * 86400, '729d'],
    [2 * 365 * 86400 + 86400, '2y1d'],
    [3 * 365 * 86400, '3y'],
    [9 * 365 * 86400, '9y'],
  ];
  assert.deepEqual(
    py({ durations: cases.map((c) => c[0]) }).durations,
    cases.map((c) => c[1]),
  );
});

test('nodes: NAME STATUS ROLES AGE VERSION, wide INTERNAL-IP … CONTAINER-RUNTIME; the three includeObject forms', (t) => {
  if (noPython) return t.skip(noPython);
  const [meta, none, whole] = py({
    calls: ['Metadata', 'None', 'Object'].map((includeObject) => ({ obj: nodeList(), includeObject, now: NOW })),
  }).tables;
  assert.ok(meta && none && whole);
  assert.equal(meta.kind, 'Table');
  assert.equal(meta.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(meta.metadata, { resourceVersion: '42' });
  assert.deepEqual(heads(meta), [
    ['Name', 'string', 0],
    ['Status', 'string', 0],
    ['Roles', 'string', 0],
    ['Age', 'string', 0],
    ['Version', 'string', 0],
    ['Internal-IP', 'string', 1],
    ['External-IP', 'string', 1],
    ['OS-Image', 'string', 1],
    ['Kernel-Version', 'string', 1],
    ['Container-Runtime', 'string', 1],
  ]);
  assert.equal(meta.columnDefinitions[0]!.format, 'name');
  assert.equal(meta.columnDefinitions[0]!.description, 'Name: from ObjectMeta.name');
  assert.deepEqual(cells(meta), [
    [
      'master01',
      'Ready',
      'control-plane',
      '2d',
      'v1.37.1',
      '10.213.71.11',
      '<none>',
      'Debian GNU/Linux 13 (trixie)',
      '6.12.38+deb13-amd64',
      'containerd://2.1.4',
    ],
    [
      'worker01',
      'NotReady,SchedulingDisabled',
      'edge,worker',
      '10d',
      'v1.36.5',
      '10.213.71.21',
      '203.0.113.7',
      '<unknown>',
      '<unknown>',
      '<unknown>',
    ],
    ['fresh', 'Unknown', '<none>', '45s', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
  ]);
  const items = nodeList().items as Json[];
  assert.deepEqual(meta.rows[0]!.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: items[0]!.metadata });
  assert.deepEqual(
    none.rows.map((r) => r.object),
    [null, null, null],
  );
  // the whole object, with the kind and apiVersion the real server's items always carry
  assert.deepEqual(whole.rows[1]!.object, { kind: 'Node', apiVersion: 'v1', ...items[1] });
  // a single object: one row, the object's resourceVersion
  const one = table({ obj: { kind: 'Node', apiVersion: 'v1', ...items[0] }, now: NOW });
  assert.deepEqual(one.metadata, { resourceVersion: '40' });
  assert.deepEqual(cells(one), [cells(meta)[0]]);
});

test('pods: READY, STATUS from phase / waiting and terminated reasons / init containers / deletion, RESTARTS', (t) => {
  if (noPython) return t.skip(noPython);
  const created = ago(312);
  const pod = (name: string, spec: Json, status: Json, extraMeta: Json = {}) => ({
    metadata: { name, namespace: 'default', creationTimestamp: created, ...extraMeta },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
    status,
  });
  const running = { running: { startedAt: ago(300) } };
  const list = {
    kind: 'PodList',
    apiVersion: 'v1',
    metadata: { resourceVersion: '7' },
    items: [
      pod(
        'web-1',
        { nodeName: 'worker01' },
        {
          phase: 'Running',
          podIP: '10.244.1.5',
          podIPs: [{ ip: '10.244.1.5' }],
          conditions: [{ type: 'Ready', status: 'True' }],
          containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
        },
      ),
      pod(
        'crash',
        {
          nodeName: 'worker01',
          containers: [
            { name: 'a', image: 'busybox' },
            { name: 'b', image: 'busybox' },
          ],
          readinessGates: [{ conditionType: 'example.com/gate' }],
        },
        {
          phase: 'Running',
          podIP: '10.244.1.6',
          conditions: [{ type: 'example.com/gate', status: 'True' }],
          containerStatuses: [
            { name: 'a', ready: true, restartCount: 1, state: running },
            {
              name: 'b',
              ready: false,
              restartCount: 4,
              state: { waiting: { reason: 'CrashLoopBackOff' } },
              lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(90) } },
            },
          ],
        },
      ),
      pod('pending', {}, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] }),
      pod(
        'creating',
        { nodeName: 'master01' },
        {
          phase: 'Pending',
          containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }],
        },
        {},
      ),
      pod(
        'init',
        {
          nodeName: 'master01',
          initContainers: [
            { name: 'i1', image: 'busybox' },
            { name: 'i2', image: 'busybox' },
          ],
        },
        {
          phase: 'Pending',
          initContainerStatuses: [
            { name: 'i1', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
            { name: 'i2', ready: false, restartCount: 0, state: { running: {} } },
          ],
          containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
        },
      ),
      pod(
        'done',
        { nodeName: 'master01' },
        {
          phase: 'Succeeded',
          containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
        },
      ),
      pod(
        'going',
        { nodeName: 'worker01' },
        { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }] },
        { deletionTimestamp: ago(5) },
      ),
      pod('evicted', { nodeName: 'worker01' }, { phase: 'Failed', reason: 'Evicted' }),
    ],
  };
  const tb = table({ obj: list, now: NOW });
  assert.deepEqual(heads(tb), [
    ['Name', 'string', 0],
    ['Ready', 'string', 0],
    ['Status', 'string', 0],
    ['Restarts', 'string', 0],
    ['Age', 'string', 0],
    ['IP', 'string', 1],
    ['Node', 'string', 1],
    ['Nominated Node', 'string', 1],
    ['Readiness Gates', 'string', 1],
  ]);
  assert.deepEqual(cells(tb), [
    ['web-1', '1/1', 'Running', '0', '5m12s', '10.244.1.5', 'worker01', '<none>', '<none>'],
    ['crash', '1/2', 'CrashLoopBackOff', '5 (90s ago)', '5m12s', '10.244.1.6', 'worker01', '<none>', '1/1'],
    ['pending', '0/1', 'Pending', '0', '5m12s', '<none>', '<none>', '<none>', '<none>'],
    ['creating', '0/1', 'ContainerCreating', '0', '5m12s', '<none>', 'master01', '<none>', '<none>'],
    ['init', '0/1', 'Init:1/2', '0', '5m12s', '<none>', 'master01', '<none>', '<none>'],
    ['done', '0/1', 'Completed', '0', '5m12s', '<none>', 'master01', '<none>', '<none>'],
    ['going', '1/1', 'Terminating', '0', '5m12s', '<none>', 'worker01', '<none>', '<none>'],
    ['evicted', '0/1', 'Evicted', '0', '5m12s', '<none>', 'worker01', '<none>', '<none>'],
  ]);
  assert.deepEqual(tb.rows[5]!.conditions, [
    { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
  ]);
  assert.equal(tb.rows[0]!.conditions, undefined);
});

test('services: TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S) with node ports, wide SELECTOR', (t) => {
  if (noPython) return t.skip(noPython);
  const svc = (name: string, spec: Json, status: Json = {}) => ({
    metadata: { name, namespace: 'ingress-nginx', creationTimestamp: ago(3 * 3600) },
    spec,
    status,
  });
  const list = {
    kind: 'ServiceList',
    apiVersion: 'v1',
    metadata: { resourceVersion: '9' },
    items: [
      svc('ingress-nginx-controller', {
        type: 'NodePort',
        clusterIP: '10.96.12.34',
        clusterIPs: ['10.96.12.34'],
        selector: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
        ports: [
          { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http', nodePort: 30080 },
          { name: 'https', port: 443, protocol: 'TCP', targetPort: 'https', nodePort: 30443 },
        ],
      }),
      svc('kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443 }] }),
      svc('dns', {
        type: 'ClusterIP',
        clusterIPs: ['10.96.0.10'],
        selector: { 'k8s-app': 'kube-dns' },
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        ],
      }),
      svc('lb', { type: 'LoadBalancer', clusterIPs: ['10.96.0.20'], ports: [{ port: 80, protocol: 'TCP', nodePort: 31000 }] }),
      svc('headless', { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] }),
      svc('ext', { type: 'ExternalName', externalName: 'db.example.com' }),
    ],
  };
  const tb = table({ obj: list, now: NOW });
  assert.deepEqual(
    tb.columnDefinitions.map((c) => c.name),
    ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
  );
  assert.deepEqual(cells(tb), [
    [
      'ingress-nginx-controller',
      'NodePort',
      '10.96.12.34',
      '<none>',
      '80:30080/TCP,443:30443/TCP',
      '3h',
      'app.kubernetes.io/component=controller,app.kubernetes.io/name=ingress-nginx',
    ],
    ['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP', '3h', '<none>'],
    ['dns', 'ClusterIP', '10.96.0.10', '<none>', '53/UDP,53/TCP', '3h', 'k8s-app=kube-dns'],
    ['lb', 'LoadBalancer', '10.96.0.20', '<pending>', '80:31000/TCP', '3h', '<none>'],
    ['headless', 'ClusterIP', 'None', '<none>', '<none>', '3h', '<none>'],
    ['ext', 'ExternalName', '<none>', 'db.example.com', '<none>', '3h', '<none>'],
  ]);
});

test('deployments, daemonsets, configmaps, secrets, leases, PDBs, bindings: cells typed as the printers type them', (t) => {
  if (noPython) return t.skip(noPython);
  const meta = (name: string, seconds = 600) => ({ name, namespace: 'kube-system', creationTimestamp: ago(seconds) });
  const template = {
    spec: {
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      containers: [
        { name: 'controller', image: 'registry.k8s.io/ingress-nginx/controller:v1.13.0' },
        { name: 'sidecar', image: 'busybox:1.36' },
      ],
    },
  };
  const [dep, ds, cm, secret, lease, pdb, crb] = py({
    calls: [
      {
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        metadata: meta('coredns', 2 * 86400 + 5 * 3600),
        spec: {
          replicas: 2,
          selector: {
            matchLabels: { 'k8s-app': 'kube-dns' },
            matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'control'] }],
          },
          template,
        },
        status: { replicas: 2, readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1 },
      },
      {
        kind: 'DaemonSet',
        apiVersion: 'apps/v1',
        metadata: meta('calico-node'),
        spec: { selector: { matchLabels: { 'k8s-app': 'calico-node' } }, template },
        status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
      },
      { kind: 'ConfigMap', apiVersion: 'v1', metadata: meta('kubeadm-config'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } },
      {
        kind: 'Secret',
        apiVersion: 'v1',
        metadata: meta('bootstrap-token-abcdef'),
        type: 'bootstrap.kubernetes.io/token',
        data: { x: 'eA==' },
      },
      {
        kind: 'Lease',
        apiVersion: 'coordination.k8s.io/v1',
        metadata: meta('kube-scheduler', 70),
        spec: { holderIdentity: 'master01_1234' },
      },
      {
        kind: 'PodDisruptionBudget',
        apiVersion: 'policy/v1',
        metadata: meta('coredns'),
        spec: { minAvailable: '50%' },
        status: { disruptionsAllowed: 1 },
      },
      {
        kind: 'ClusterRoleBinding',
        apiVersion: 'rbac.authorization.k8s.io/v1',
        metadata: meta('kubeadm:node-autoapprove-bootstrap'),
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
        },
        subjects: [
          { kind: 'Group', name: 'system:bootstrappers:kubeadm:default-node-token' },
          { kind: 'Group', name: 'system:nodes' },
          { kind: 'ServiceAccount', name: 'builder', namespace: 'ci' },
        ],
      },
    ].map((obj) => ({ obj, now: NOW })),
  }).tables;
  assert.ok(dep && ds && cm && secret && lease && pdb && crb);
  assert.deepEqual(
    dep.columnDefinitions.map((c) => [c.name, c.priority]),
    [
      ['Name', 0],
      ['Ready', 0],
      ['Up-to-date', 0],
      ['Available', 0],
      ['Age', 0],
      ['Containers', 1],
      ['Images', 1],
      ['Selector', 1],
    ],
  );
  assert.deepEqual(cells(dep), [
    [
      'coredns',
      '1/2',
      2,
      1,
      '2d5h',
      'controller,sidecar',
      'registry.k8s.io/ingress-nginx/controller:v1.13.0,busybox:1.36',
      'k8s-app=kube-dns,tier in (control,web)',
    ],
  ]);
  assert.deepEqual(
    ds.columnDefinitions.map((c) => c.name),
    ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers', 'Images', 'Selector'],
  );
  assert.deepEqual(cells(ds), [
    [
      'calico-node',
      3,
      3,
      2,
      3,
      2,
      'kubernetes.io/os=linux',
      '10m',
      'controller,sidecar',
      'registry.k8s.io/ingress-nginx/controller:v1.13.0,busybox:1.36',
      'k8s-app=calico-node',
    ],
  ]);
  assert.deepEqual(cells(cm), [['kubeadm-config', 3, '10m']]);
  assert.deepEqual(cells(secret), [['bootstrap-token-abcdef', 'bootstrap.kubernetes.io/token', 1, '10m']]);
  assert.deepEqual(cells(lease), [['kube-scheduler', 'master01_1234', '70s']]);
  assert.deepEqual(
    pdb.columnDefinitions.map((c) => c.name),
    ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age'],
  );
  assert.deepEqual(cells(pdb), [['coredns', '50%', 'N/A', 1, '10m']]);
  assert.deepEqual(
    crb.columnDefinitions.map((c) => [c.name, c.priority]),
    [
      ['Name', 0],
      ['Role', 0],
      ['Age', 0],
      ['Users', 1],
      ['Groups', 1],
      ['ServiceAccounts', 1],
    ],
  );
  assert.deepEqual(cells(crb), [
    [
      'kubeadm:node-autoapprove-bootstrap',
      'ClusterRole/system:certificates.k8s.io:certificatesigningrequests:nodeclient',
      '10m',
      '',
      'system:bootstrappers:kubeadm:default-node-token, system:nodes',
      'ci/builder',
    ],
  ]);
});

test('custom resources: NAME + the CRD’s printer columns (typed, date as age, missing → null); default AGE; roles: CREATED AT', (t) => {
  if (noPython) return t.skip(noPython);
  const printerColumns = [
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[0].status' },
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', description: 'Desired replicas' },
    { name: 'Ratio', type: 'number', jsonPath: '.status.ratio', priority: 1 },
    { name: 'Paused', type: 'boolean', jsonPath: '.spec.paused' },
    { name: 'Labels', type: 'string', jsonPath: '.metadata.labels' },
    { name: 'Backup', type: 'date', jsonPath: '.status.lastBackup' },
    { name: 'Missing', type: 'string', jsonPath: '.status.nothing.here' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ];
  const cr = (name: string, spec: Json, status: Json) => ({
    metadata: { name, namespace: 'default', creationTimestamp: ago(3600), labels: { tier: 'db', app: 'pg' } },
    spec,
    status,
  });
  const list = {
    kind: 'DatabaseList',
    apiVersion: 'example.com/v1',
    metadata: { resourceVersion: '77', continue: 'abc' },
    items: [
      cr('db1', { replicas: 3, paused: false }, { conditions: [{ type: 'Ready', status: 'True' }], ratio: 0.5, lastBackup: ago(125) }),
      cr('db2', { replicas: 1.0 }, { lastBackup: 'yesterday' }),
    ],
  };
  const [withColumns, plain, role] = py({
    calls: [
      { obj: list, now: NOW, printerColumns },
      { obj: list, now: NOW },
      {
        obj: {
          kind: 'ClusterRoleList',
          apiVersion: 'rbac.authorization.k8s.io/v1',
          metadata: {},
          items: [{ metadata: { name: 'view', creationTimestamp: '2025-12-31T10:20:30.123456Z' } }],
        },
        now: NOW,
      },
    ],
  }).tables;
  assert.ok(withColumns && plain && role);
  assert.deepEqual(withColumns.metadata, { resourceVersion: '77', continue: 'abc' });
  assert.deepEqual(heads(withColumns), [
    ['Name', 'string', 0],
    ['Ready', 'string', 0],
    ['Replicas', 'integer', 0],
    ['Ratio', 'number', 1],
    ['Paused', 'boolean', 0],
    ['Labels', 'string', 0],
    ['Backup', 'date', 0],
    ['Missing', 'string', 0],
    ['Age', 'date', 0],
  ]);
  assert.equal(withColumns.columnDefinitions[1]!.description, 'Ready: .status.conditions[0].status');
  assert.equal(withColumns.columnDefinitions[2]!.description, 'Desired replicas');
  assert.deepEqual(cells(withColumns), [
    ['db1', 'True', 3, 0.5, false, '{"app":"pg","tier":"db"}', '2m5s', null, '60m'],
    ['db2', null, 1, null, null, '{"app":"pg","tier":"db"}', '<invalid>', null, '60m'],
  ]);
  assert.deepEqual(heads(plain), [
    ['Name', 'string', 0],
    ['Age', 'date', 0],
  ]);
  assert.deepEqual(cells(plain), [
    ['db1', '60m'],
    ['db2', '60m'],
  ]);
  assert.deepEqual(heads(role), [
    ['Name', 'string', 0],
    ['Created At', 'date', 0],
  ]);
  assert.deepEqual(cells(role), [['view', '2025-12-31T10:20:30Z']]);
});

// ------------------------------------------------------------------------------------------------ real kubectl

const missing = noRealKubectl;

const resource = (name: string, kind: string, namespaced: boolean) => ({
  name,
  singularName: '',
  namespaced,
  kind,
  verbs: ['get', 'list'],
});
const DISCOVERY: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] },
  '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [resource('nodes', 'Node', false), resource('services', 'Service', true)],
  },
};

/** Serves discovery, and the node and service lists as the Table tables.py makes of them when asked for one. */
async function tableServer(lists: Record<string, Json>, now: number) {
  const paths = Object.keys(lists);
  const { tables } = py({ calls: paths.map((p) => ({ obj: lists[p]!, now })) });
  const accepts: string[] = [];
  const server = http.createServer((req, res) => {
    const p = (req.url ?? '').split('?')[0]!;
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (p in DISCOVERY) return send(200, DISCOVERY[p]);
    const i = paths.indexOf(p);
    if (i < 0) return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
    accepts.push(req.headers.accept ?? '');
    send(200, (req.headers.accept ?? '').includes('as=Table') ? tables[i] : lists[p]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    accepts,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function kubectl(server: string, args: string[]) {
  const { stdout } = await run(REAL_KUBECTL, ['--server', server, '--kubeconfig=/dev/null', ...args], { timeout: 60_000 });
  return stdout
    .trimEnd()
    .split('\n')
    .map((line) => line.trim().split(/\s{2,}/));
}

test('the real kubectl get nodes / -o wide / get services print the Table’s columns', async (t) => {
  if (missing) return t.skip(missing);
  const now = Math.floor(Date.now() / 1000); // whole seconds: the fixtures' timestamps carry no fraction
  const services = {
    kind: 'ServiceList',
    apiVersion: 'v1',
    metadata: { resourceVersion: '5' },
    items: [
      {
        metadata: { name: 'ingress-nginx-controller', namespace: 'ingress-nginx', creationTimestamp: ago(3 * 86400, now) },
        spec: {
          type: 'NodePort',
          clusterIPs: ['10.96.12.34'],
          selector: { app: 'ingress' },
          ports: [
            { port: 80, protocol: 'TCP', nodePort: 30080 },
            { port: 443, protocol: 'TCP', nodePort: 30443 },
          ],
        },
      },
    ],
  };
  const api = await tableServer({ '/api/v1/nodes': nodeList(now), '/api/v1/namespaces/ingress-nginx/services': services }, now);
  try {
    assert.deepEqual(await kubectl(api.url, ['get', 'nodes']), [
      ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
      ['master01', 'Ready', 'control-plane', '2d', 'v1.37.1'],
      ['worker01', 'NotReady,SchedulingDisabled', 'edge,worker', '10d', 'v1.36.5'],
      ['fresh', 'Unknown', '<none>', '45s'], // the empty VERSION cell: nothing after AGE
    ]);
    assert.deepEqual(await kubectl(api.url, ['get', 'nodes', '-o', 'wide']), [
      ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
      [
        'master01',
        'Ready',
        'control-plane',
        '2d',
        'v1.37.1',
        '10.213.71.11',
        '<none>',
        'Debian GNU/Linux 13 (trixie)',
        '6.12.38+deb13-amd64',
        'containerd://2.1.4',
      ],
      [
        'worker01',
        'NotReady,SchedulingDisabled',
        'edge,worker',
        '10d',
        'v1.36.5',
        '10.213.71.21',
        '203.0.113.7',
        '<unknown>',
        '<unknown>',
        '<unknown>',
      ],
      ['fresh', 'Unknown', '<none>', '45s', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
    ]);
    assert.deepEqual(await kubectl(api.url, ['get', 'services', '-n', 'ingress-nginx', '-o', 'wide']), [
      ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR'],
      ['ingress-nginx-controller', 'NodePort', '10.96.12.34', '<none>', '80:30080/TCP,443:30443/TCP', '3d', 'app=ingress'],
    ]);
    assert.ok(api.accepts.length >= 3);
    assert.deepEqual(
      py({ accepts: api.accepts }).wants,
      api.accepts.map(() => true),
      api.accepts.join('\n'),
    );
  } finally {
    await api.close();
  }
});
