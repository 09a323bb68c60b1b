// The stand-in API server's protobuf decoder (lab/standins/lib/k8s_protobuf.py) against the real kubectl:
// kubectl sends the bodies of its typed commands as application/vnd.kubernetes.protobuf; the decoder must
// give back exactly the object kubectl would have sent as JSON. The reference is the same command run with
// `--dry-run=client -o json` (kubectl's own JSON of the object it would send), or, for commands that have
// no dry run (create token, drain's eviction), the JSON Go's encoding/json writes for that object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { noPython, noRealKubectl, REAL_KUBECTL, runStandinPython } from '../helpers/standin-lib';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const run = promisify(execFile);

type Json = Record<string, unknown>;
interface Recorded {
  method: string;
  url: string;
  contentType: string;
  body: Buffer;
}

const missing = noRealKubectl;

const json = (res: http.ServerResponse, code: number, body: unknown) => {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};
const notFound = { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 };
const resource = (name: string, kind: string, namespaced: boolean, extra: Json = {}) => ({
  name,
  singularName: '',
  namespaced,
  kind,
  verbs: ['create', 'get', 'list', 'delete', 'patch'],
  ...extra,
});

/** Legacy discovery, just enough for `create role` (resource → kind) and drain (is pods/eviction policy/v1?). */
const DISCOVERY: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: ['apps', 'policy', 'rbac.authorization.k8s.io'].map((name) => ({
      name,
      versions: [{ groupVersion: `${name}/v1`, version: 'v1' }],
      preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' },
    })),
  },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      resource('pods', 'Pod', true),
      resource('pods/eviction', 'Eviction', true, { group: 'policy', version: 'v1', verbs: ['create'] }),
      resource('nodes', 'Node', false),
      resource('namespaces', 'Namespace', false),
    ],
  },
  '/apis/apps/v1': { kind: 'APIResourceList', groupVersion: 'apps/v1', resources: [resource('deployments', 'Deployment', true)] },
  '/apis/policy/v1': { kind: 'APIResourceList', groupVersion: 'policy/v1', resources: [] },
  '/apis/rbac.authorization.k8s.io/v1': {
    kind: 'APIResourceList',
    groupVersion: 'rbac.authorization.k8s.io/v1',
    resources: [resource('roles', 'Role', true), resource('clusterroles', 'ClusterRole', false)],
  },
};

const NODE = { kind: 'Node', apiVersion: 'v1', metadata: { name: 'node1', uid: 'n-1', resourceVersion: '1' }, spec: {} };
const POD = {
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: { name: 'web-1', namespace: 'default', uid: 'p-1', resourceVersion: '1' },
  spec: { nodeName: 'node1', containers: [{ name: 'web', image: 'nginx' }] },
  status: { phase: 'Running' },
};

/**
 * A tiny API server: records every request, answers discovery and the GETs drain makes, and answers a
 * create with 201 and a plausible object (the body is protobuf, so it echoes only what the path says).
 */
async function fakeApiServer() {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      const p = url.split('?')[0]!;
      requests.push({ method: req.method ?? '', url, contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
      if (req.method === 'GET' && p in DISCOVERY) return json(res, 200, DISCOVERY[p]);
      if (p === '/api/v1/nodes/node1') return json(res, 200, NODE);
      if (req.method === 'GET' && p === '/api/v1/pods')
        return json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [POD] });
      if (req.method === 'GET' && p === '/api/v1/namespaces/default/pods/web-1') return json(res, 404, notFound); // evicted: gone
      if (p.endsWith('/eviction')) return json(res, 201, { kind: 'Status', apiVersion: 'v1', status: 'Success', code: 201 });
      if (p.endsWith('/token')) {
        return json(res, 201, {
          kind: 'TokenRequest',
          apiVersion: 'authentication.k8s.io/v1',
          spec: {},
          status: { token: 'fake-token', expirationTimestamp: '2030-01-01T00:00:00Z' },
        });
      }
      if (req.method === 'POST') {
        const name = p.split('/').pop()!;
        return json(res, 201, {
          metadata: { name: `created-${name}`, uid: 'u-1', resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' },
        });
      }
      json(res, 404, notFound);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { requests, server: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** kubectl with no kubeconfig at all: just the --server flag. */
async function kubectl(server: string, args: string[]) {
  const kubeconfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hakube-pb-')), 'config');
  fs.writeFileSync(kubeconfig, '');
  const { stdout } = await run(REAL_KUBECTL, ['--kubeconfig', kubeconfig, '--server', server, ...args], { timeout: 60_000 });
  return stdout;
}

/** Runs kubectl and returns the one POST it made to a path ending in suffix. */
async function posted(api: Awaited<ReturnType<typeof fakeApiServer>>, args: string[], suffix: string) {
  const before = api.requests.length;
  await kubectl(api.server, args);
  const post = api.requests.slice(before).find((r) => r.method === 'POST' && r.url.split('?')[0]!.endsWith(suffix));
  assert.ok(post, `${args.join(' ')}: no POST to …${suffix}`);
  return post;
}

/** Every body through the decoder in one python3 run (the registry is parsed once). */
function decode(bodies: Buffer[]): unknown[] {
  const script = [
    'import base64',
    'import k8s_protobuf',
    'out = []',
    'for line in sys.stdin.read().split():',
    '    try: out.append(k8s_protobuf.decode_body(base64.b64decode(line)))',
    '    except ValueError as err: out.append({"error": str(err)})',
    'print(json.dumps(out))',
  ].join('\n');
  return JSON.parse(runStandinPython(script, bodies.map((b) => b.toString('base64')).join('\n'))) as unknown[];
}

// Commands with a client dry run: their --dry-run=client -o json is the reference. No normalization turned
// out to be needed: kubectl 1.37 prints exactly the JSON it would send (metadata.creationTimestamp is
// omitzero now, so no `creationTimestamp: null`; `status: {}` is in both, since protobuf always carries a
// non-pointer struct and Go's JSON always prints one).
// The kinds the stand-in decodes (lab/standins/lib/k8s_proto_schema.py).
const WITH_DRY_RUN: string[][] = [
  ['create', 'namespace', 'demo'],
  ['create', 'configmap', 'c1', '--from-literal=a=b', '--from-literal=empty='],
  ['create', 'secret', 'generic', 's1', '--from-literal=k=v'],
  ['create', 'secret', 'docker-registry', 'reg1', '--docker-server=r.example', '--docker-username=u', '--docker-password=p'],
  ['create', 'serviceaccount', 'sa1'],
  ['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2', '--port=80'],
  ['create', 'service', 'nodeport', 'svc1', '--tcp=80:8080'],
  ['create', 'service', 'clusterip', 'cip1', '--tcp=5678:8080'],
  ['create', 'job', 'j1', '--image=busybox'],
  ['create', 'cronjob', 'cj1', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'],
  ['create', 'priorityclass', 'p1', '--value=1000', '--description=important'],
  ['create', 'role', 'r1', '--verb=get', '--verb=list', '--resource=pods'],
  ['create', 'clusterrole', 'cr1', '--verb=get', '--resource=deployments.apps'],
  ['create', 'rolebinding', 'rb1', '--role=r1', '--user=u1'],
  ['create', 'clusterrolebinding', 'crb1', '--clusterrole=view', '--group=g1', '--serviceaccount=default:sa1'],
  ['create', 'pdb', 'pdb1', '--selector=app=web', '--min-available=50%'],
  ['create', 'quota', 'q1', '--hard=cpu=1,memory=1G,pods=2'],
  ['create', 'ingress', 'ing1', '--class=nginx', '--rule=foo.com/bar=svc1:8080,tls=my-cert'],
];

test('the typed creates the stand-in reads: the protobuf body kubectl sends decodes to the JSON of its client dry run', async (t) => {
  if (missing) return t.skip(missing);
  const api = await fakeApiServer();
  try {
    const expected: unknown[] = [];
    const bodies: Buffer[] = [];
    for (const args of WITH_DRY_RUN) {
      // The dry-run flags go before a `--` (cronjob's command), or they would become the command.
      const end = args.includes('--') ? args.indexOf('--') : args.length;
      const dryRun = [...args.slice(0, end), '--dry-run=client', '-o', 'json', ...args.slice(end)];
      expected.push(JSON.parse(await kubectl(api.server, dryRun)));
      const before = api.requests.length;
      await kubectl(api.server, args);
      const posts = api.requests.slice(before).filter((r) => r.method === 'POST');
      assert.equal(posts.length, 1, `${args.join(' ')}: one POST, got ${posts.map((r) => r.url).join(', ')}`);
      assert.equal(posts[0]!.contentType, PROTOBUF, `${args.join(' ')} sent ${posts[0]!.contentType}, not protobuf`);
      bodies.push(posts[0]!.body);
    }
    const decoded = decode(bodies);
    WITH_DRY_RUN.forEach((args, i) => assert.deepEqual(decoded[i], expected[i], args.join(' ')));
  } finally {
    await api.close();
  }
});

test('create token (no client dry run): the bodies decode to what Go would write as JSON', async (t) => {
  if (missing) return t.skip(missing);
  const api = await fakeApiServer();
  try {
    const bodies = [
      await posted(api, ['create', 'token', 'default', '-n', 'default'], '/serviceaccounts/default/token'),
      await posted(
        api,
        ['create', 'token', 'builder', '-n', 'ci', '--audience=a1', '--audience=a2', '--duration=1h'].concat([
          '--bound-object-kind=Pod',
          '--bound-object-name=p1',
          '--bound-object-uid=1234',
        ]),
        '/serviceaccounts/builder/token',
      ),
    ];
    for (const b of bodies) assert.equal(b.contentType, PROTOBUF);
    const [plain, bound] = decode(bodies.map((b) => b.body));
    // TokenRequestSpec's audiences, expirationSeconds and boundObjectRef carry no omitempty: nil → null;
    // status is a non-pointer struct: token "" and expirationTimestamp (a zero metav1.Time) → null.
    assert.deepEqual(plain, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: {},
      spec: { audiences: null, expirationSeconds: null, boundObjectRef: null },
      status: { token: '', expirationTimestamp: null },
    });
    // BoundObjectReference.uid is `uID` in the .proto: the JSON name comes from the Go tag.
    assert.deepEqual(bound, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: {},
      spec: {
        audiences: ['a1', 'a2'],
        expirationSeconds: 3600,
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1', uid: '1234' },
      },
      status: { token: '', expirationTimestamp: null },
    });
  } finally {
    await api.close();
  }
});

test("drain's Eviction: JSON from kubectl 1.37 (its clientset is not protobuf); decoded the same way if that changes", async (t) => {
  if (missing) return t.skip(missing);
  const api = await fakeApiServer();
  try {
    const eviction = await posted(api, ['drain', 'node1', '--force', '--grace-period=30', '--timeout=20s'], '/pods/web-1/eviction');
    // kubectl drain builds its client with f.KubernetesClientSet(), whose content type is JSON, unlike the
    // per-group typed clients of `kubectl create`. Should that change, the body must decode to the same.
    const sent = eviction.contentType === PROTOBUF ? decode([eviction.body])[0] : JSON.parse(eviction.body.toString());
    assert.deepEqual(sent, {
      kind: 'Eviction',
      apiVersion: 'policy/v1',
      metadata: { name: 'web-1', namespace: 'default' },
      deleteOptions: { gracePeriodSeconds: 30 },
    });
  } finally {
    await api.close();
  }
});

/** A protobuf message by hand: [field number, value] pairs; numbers are varints, the rest length-delimited. */
function pb(fields: [number, number | string | Buffer][]): Buffer {
  const varint = (n: number) => {
    const out: number[] = [];
    for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
    out.push(n);
    return Buffer.from(out);
  };
  return Buffer.concat(
    fields.map(([num, v]) => {
      if (typeof v === 'number') return Buffer.concat([varint(num * 8), varint(v)]);
      const bytes = typeof v === 'string' ? Buffer.from(v) : v;
      return Buffer.concat([varint(num * 8 + 2), varint(bytes.length), bytes]);
    }),
  );
}
const body = (apiVersion: string, kind: string, raw: Buffer) =>
  Buffer.concat([
    Buffer.from('k8s\0', 'latin1'),
    pb([
      [
        1,
        pb([
          [1, apiVersion],
          [2, kind],
        ]),
      ],
      [2, raw],
    ]),
  ]);

test('types with their own JSON form, and the errors: a hand-built ConfigMap, an unknown kind, no magic', (t) => {
  if (noPython) return t.skip(noPython);
  // core/v1 ConfigMap: metadata=1 {name=1, namespace=3, creationTimestamp=8 (Time: seconds=1),
  // managedFields=17 {manager=1, operation=2, time=4, fieldsType=6, fieldsV1=7 (raw JSON=1)}}, data=2 (map entries).
  const time = pb([[1, 1767225600]]);
  const configMap = pb([
    [
      1,
      pb([
        [1, 'c1'],
        [3, 'kube-system'],
        [8, time],
        [
          17,
          pb([
            [1, 'kubectl'],
            [2, 'Apply'],
            [4, time],
            [6, 'FieldsV1'],
            [7, pb([[1, '{"f:data":{"f:a":{}}}']])],
          ]),
        ],
      ]),
    ],
    [
      2,
      pb([
        [1, 'a'],
        [2, 'b'],
      ]),
    ],
  ]);
  // meta.k8s.io/v1 DeleteOptions sent with apiVersion v1 (the core group has no such kind: meta's).
  const deleteOptions = pb([
    [1, 0],
    [4, 'Foreground'],
  ]);
  const [decodedConfigMap, decodedDelete, unknown, noMagic, unknownField] = decode([
    body('v1', 'ConfigMap', configMap),
    body('v1', 'DeleteOptions', deleteOptions),
    body('example.com/v1', 'Widget', Buffer.alloc(0)),
    Buffer.from('{"kind":"Namespace"}'),
    body('v1', 'ConfigMap', pb([[9, 'a field this schema lacks']])),
  ]);
  const stamp = '2026-01-01T00:00:00Z';
  assert.deepEqual(decodedConfigMap, {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: {
      name: 'c1',
      namespace: 'kube-system',
      creationTimestamp: stamp,
      managedFields: [
        { manager: 'kubectl', operation: 'Apply', time: stamp, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } },
      ],
    },
    data: { a: 'b' },
  });
  assert.deepEqual(decodedDelete, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, propagationPolicy: 'Foreground' });
  assert.match((unknown as Json).error as string, /decodes no protobuf body of kind Widget \(example.com\/v1\)/);
  assert.match((noMagic as Json).error as string, /does not start with the magic/);
  assert.match(
    (unknownField as Json).error as string,
    /field 9 of core\.v1\.ConfigMap is not in the lab stand-in's protobuf schema/,
    'never dropped',
  );
});

test('a typed create of a kind the stand-in does not read (auth whoami: a SelfSubjectReview) is refused with the kind named', async (t) => {
  if (missing) return t.skip(missing);
  const api = await fakeApiServer();
  try {
    const post = await posted(api, ['auth', 'whoami'], '/selfsubjectreviews');
    assert.equal(post.contentType, PROTOBUF);
    assert.match(
      (decode([post.body])[0] as Json).error as string,
      /decodes no protobuf body of kind SelfSubjectReview \(authentication.k8s.io\/v1\)/,
    );
  } finally {
    await api.close();
  }
});
