import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadInventory } from '../../src/inventory/load';
import { renderHostFile, renderHostFiles } from '../../src/render/host-files';
import { renderTemplate } from '../../src/render/environment';
import { fieldPaths, V1BETA4_FIELDS } from '../fixtures/kubeadm-v1beta4-fields';
import { EXAMPLE, writeInventory } from '../helpers/inventory';
import { inventoryAdvisories } from '../../src/inventory/advisories';

const GOLDEN = path.resolve(__dirname, '../golden/example');
const { spec } = loadInventory(EXAMPLE, { requireKeyFiles: false });
const all = spec.hosts.flatMap((h) => renderHostFiles(spec, h.name).map((f) => ({ host: h.name, ...f })));

test('every rendered file matches its golden copy (UPDATE_GOLDEN=1 to accept a change)', () => {
  const seen = new Set<string>();
  for (const f of all) {
    const golden = path.join(GOLDEN, f.host, f.path);
    seen.add(golden);
    if (process.env.UPDATE_GOLDEN) {
      fs.mkdirSync(path.dirname(golden), { recursive: true });
      fs.writeFileSync(golden, f.content);
    }
    assert.equal(f.content, fs.readFileSync(golden, 'utf8'), `${f.host}:${f.path} differs from ${golden}`);
  }
  const stale = fs
    .readdirSync(GOLDEN, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter((p) => !seen.has(p));
  assert.deepEqual(stale, [], 'golden files no host renders any more');
});

test('every rendered YAML file parses', () => {
  const yamlFiles = all.filter((f) => /\.ya?ml$/.test(f.path));
  assert.ok(yamlFiles.length >= 10);
  for (const f of yamlFiles) for (const doc of parseAllDocuments(f.content)) assert.deepEqual(doc.errors, [], `${f.host}:${f.path}`);
});

test('kubeadm files are v1beta4 and carry only fields v1beta4 has', () => {
  const kubeadm = all.filter((f) => f.id === 'kubeadm-init' || f.id === 'kubeadm-join');
  assert.equal(kubeadm.length, spec.hosts.length);
  const kinds = new Set<string>();
  for (const f of kubeadm)
    for (const doc of parseAllDocuments(f.content).map((d) => d.toJS())) {
      if (doc.apiVersion === 'kubelet.config.k8s.io/v1beta1') continue;
      assert.equal(doc.apiVersion, 'kubeadm.k8s.io/v1beta4', `${f.host}:${f.path}`);
      kinds.add(doc.kind);
      const allowed = V1BETA4_FIELDS[doc.kind];
      assert.ok(allowed, `unknown kind ${doc.kind}`);
      const unknown = fieldPaths(doc).filter((p) => !allowed.has(p));
      assert.deepEqual(unknown, [], `${f.host}:${f.path} ${doc.kind} has fields v1beta4 does not`);
    }
  assert.deepEqual([...kinds].sort(), ['ClusterConfiguration', 'InitConfiguration', 'JoinConfiguration']);
});

test('the field check itself catches a v1beta3-only or misspelled field', () => {
  const doc = { apiVersion: 'kubeadm.k8s.io/v1beta4', kind: 'ClusterConfiguration', apiServer: { timeoutForControlPlane: '4m' } };
  assert.deepEqual(
    fieldPaths(doc).filter((p) => !V1BETA4_FIELDS.ClusterConfiguration.has(p)),
    ['apiServer.timeoutForControlPlane'],
  );
});

test('ClusterConfiguration: certSANs = all masters + 127.0.0.1, endpoint, external etcd, subnets', () => {
  const init = parseAllDocuments(renderHostFile(spec, 'master01', 'kubeadm-init').content).map((d) => d.toJS());
  const cluster = init.find((d) => d.kind === 'ClusterConfiguration');
  assert.deepEqual(cluster.apiServer.certSANs, ['127.0.0.1', '10.73.71.25', '10.73.71.26', '10.73.71.27']);
  assert.equal(cluster.controlPlaneEndpoint, '10.73.71.25:6443');
  assert.deepEqual(cluster.etcd.external.endpoints, spec.etcd.endpoints);
  assert.deepEqual(cluster.networking, { podSubnet: '192.168.0.0/16', serviceSubnet: '10.96.0.0/12' });
});

test('the control-plane join carries the certificate key, the worker join does not', () => {
  const master = parseAllDocuments(
    renderHostFile(spec, 'master02', 'kubeadm-join', {
      joinToken: 'abcdef.0123456789abcdef',
      caCertHash: 'sha256:00',
      certificateKey: 'k3y',
    }).content,
  )[0].toJS();
  assert.equal(master.controlPlane.certificateKey, 'k3y');
  assert.equal(master.discovery.bootstrapToken.token, 'abcdef.0123456789abcdef');
  const worker = parseAllDocuments(renderHostFile(spec, 'worknode01', 'kubeadm-join').content)[0].toJS();
  assert.equal(worker.controlPlane, undefined);
});

test('haproxy.cfg binds 127.0.0.1:6443, lists every master, and takes one in only once its /readyz says 200', () => {
  const cfg = renderHostFile(spec, 'worknode02', 'haproxy-config').content;
  assert.match(cfg, /^\s*bind 127\.0\.0\.1:6443$/m);
  assert.match(cfg, /^\s*balance roundrobin$/m);
  for (const m of spec.masters.map((n) => spec.hosts.find((h) => h.name === n)!))
    assert.match(cfg, new RegExp(`^\\s*server ${m.name} ${m.address.replace(/\./g, '\\.')}:6443 check verify none$`, 'm'));
  assert.match(cfg, /^\s*http-check send meth GET uri \/readyz$/m);
  assert.match(cfg, /^\s*http-check expect status 200$/m);
});

test('ingress Service has the masters as externalIPs; dashboard Service is on NodePort 30443', () => {
  const ingress = parseAllDocuments(renderHostFile(spec, 'master01', 'ingress-service').content)[0].toJS();
  assert.deepEqual(ingress.spec.externalIPs, ['10.73.71.25', '10.73.71.26', '10.73.71.27']);
  assert.equal(ingress.spec.type, 'NodePort');
  const dashboard = parseAllDocuments(renderHostFile(spec, 'master01', 'dashboard-service').content)[0].toJS();
  assert.equal(dashboard.spec.ports[0].nodePort, 30443);
});

test('containerd uses SystemdCgroup in both config formats', () => {
  assert.match(renderHostFile(spec, 'master01', 'containerd-config').content, /^version = 3$[\s\S]*SystemdCgroup = true/m);
  const debian = { ...spec, packages: { ...spec.packages, containerd: 'debian' as const } };
  assert.match(
    renderHostFile(debian, 'master01', 'containerd-config').content,
    /^version = 2$[\s\S]*io\.containerd\.grpc\.v1\.cri[\s\S]*SystemdCgroup = true/m,
  );
});

test('an undefined template variable is an error, not the word "undefined"', () => {
  // (nunjucks still iterates an undefined list as empty: templateContext's type keeps lists defined)
  assert.throws(() => renderTemplate('etcd/etcd.env.njk', { managedBy: 'x', host: { name: 'w' } }), /etcd\.env\.njk.*\n.*undefined/);
});

test('etcd.tls (default) puts every etcd variant on https with client and peer certificate checks; false is plain http', () => {
  const variant = (mode: string, tls: boolean) =>
    loadInventory(
      writeInventory((d) => {
        d.setIn(['etcd', 'mode'], mode);
        d.setIn(['etcd', 'tls'], tls);
      }),
      { requireKeyFiles: true },
    ).spec;
  const tlsFlags = ['client-cert-auth', 'peer-client-cert-auth', 'trusted-ca-file', 'peer-trusted-ca-file', 'cert-file', 'key-file'];
  const env = renderHostFile(variant('systemd', true), 'master02', 'etcd-env').content;
  for (const flag of tlsFlags) assert.match(env, new RegExp(`^ETCD_${flag.toUpperCase().replace(/-/g, '_')}=`, 'm'), flag);
  assert.doesNotMatch(env, /http:\/\//);
  const compose = renderHostFile(variant('docker-compose', true), 'master02', 'etcd-compose').content;
  const service = (parseAllDocuments(compose)[0].toJS() as { services: { etcd: { command: string[]; volumes: string[] } } }).services.etcd;
  for (const flag of tlsFlags)
    assert.ok(
      service.command.some((c) => c.startsWith(`--${flag}=`)),
      flag,
    );
  assert.ok(service.volumes.includes('/etc/etcd/pki:/etc/etcd/pki:ro'), 'the certificates are mounted into the container');
  assert.ok(!service.command.some((c) => c.includes('http://')));
  const plain = variant('systemd', false);
  const plainEnv = renderHostFile(plain, 'master02', 'etcd-env').content;
  assert.doesNotMatch(plainEnv, /https:|CERT_FILE|CLIENT_CERT_AUTH/);
  assert.doesNotMatch(renderHostFile(plain, 'master01', 'kubeadm-init').content, /caFile|certFile|keyFile/);
  assert.match(inventoryAdvisories(plain).join('\n'), /etcd\.tls = false: .*reads and writes every Secret/);
  assert.doesNotMatch(inventoryAdvisories(variant('systemd', true)).join('\n'), /etcd\.tls/);
});

test('hosts that cannot run a stock kubelet (cgroup v1, containers) and an air-gapped registry: every setting reaches its file', () => {
  const file = writeInventory((doc) => {
    doc.set('kubeadm', { imageRepository: 'registry.example.net:5000/k8s', ignorePreflightErrors: ['Swap'] });
    doc.set('kubelet', { failCgroupV1: false, resolvConf: '/etc/hakube/resolv.conf' });
    doc.set('kubeProxy', { conntrackMaxPerCore: 0 });
    doc.set('containerd', {
      registryMirror: 'http://10.73.71.1:5000',
      registryMirrorSkipVerify: true,
      restrictOomScoreAdj: true,
      privilegedWithoutHostDevices: true,
    });
    doc.setIn(['packages', 'containerd'], 'docker');
  });
  const { spec: s } = loadInventory(file, { requireKeyFiles: true });
  const init = parseAllDocuments(renderHostFile(s, 'master01', 'kubeadm-init').content).map((d) => d.toJS());
  const byKind = (kind: string) => init.find((d) => d.kind === kind);
  assert.equal(byKind('ClusterConfiguration').imageRepository, 'registry.example.net:5000/k8s');
  assert.deepEqual(byKind('InitConfiguration').nodeRegistration.ignorePreflightErrors, ['Swap', 'SystemVerification']);
  assert.equal(byKind('KubeletConfiguration').failCgroupV1, false);
  assert.equal(byKind('KubeletConfiguration').resolvConf, '/etc/hakube/resolv.conf');
  assert.deepEqual(byKind('KubeProxyConfiguration').conntrack, { maxPerCore: 0 });
  for (const doc of init.filter((d) => d.apiVersion === 'kubeadm.k8s.io/v1beta4'))
    assert.deepEqual(
      fieldPaths(doc).filter((p) => !V1BETA4_FIELDS[doc.kind].has(p)),
      [],
      `${doc.kind} has fields v1beta4 does not`,
    );
  const join = parseAllDocuments(renderHostFile(s, 'worknode01', 'kubeadm-join').content).map((d) => d.toJS());
  assert.deepEqual(join[0].nodeRegistration.ignorePreflightErrors, ['Swap', 'SystemVerification'], 'joins ignore the same checks');
  const containerd = renderHostFile(s, 'worknode01', 'containerd-config').content;
  assert.match(containerd, /^\s*restrict_oom_score_adj = true$/m);
  assert.match(containerd, /^\s*privileged_without_host_devices = true$/m);
  assert.match(containerd, /config_path = '\/etc\/containerd\/certs\.d'/);
  const mirror = renderHostFile(s, 'worknode01', 'containerd-mirror');
  assert.equal(mirror.path, '/etc/containerd/certs.d/_default/hosts.toml');
  assert.match(
    mirror.content,
    /^\[host\."http:\/\/10\.73\.71\.1:5000"\]\n\s+capabilities = \["pull", "resolve"\]\n\s+skip_verify = true$/m,
  );
  // Left out, none of it is rendered (the example inventory above: the golden files).
  assert.doesNotMatch(
    renderHostFile(spec, 'master01', 'kubeadm-init').content,
    /failCgroupV1|imageRepository|ignorePreflightErrors|KubeProxy/,
  );
  assert.throws(() => renderHostFile(spec, 'worknode01', 'containerd-mirror'), /not written on worknode01/);
});

test('cni.plugin flannel: its upstream manifest pinned, net-conf.json on the pod network, the interface regex, no Calico file', () => {
  const file = writeInventory((doc) => {
    doc.setIn(['cni', 'plugin'], 'flannel');
    doc.setIn(['network', 'podSubnet'], '10.250.0.0/16');
  });
  const { spec: s } = loadInventory(file, { requireKeyFiles: true });
  assert.equal(s.cni.manifest.url, 'https://raw.githubusercontent.com/flannel-io/flannel/v0.28.11/Documentation/kube-flannel.yml');
  const files = renderHostFiles(s, 'master01').map((f) => f.id);
  assert.ok(files.includes('flannel-net-conf') && files.includes('flannel-ds'), files.join(', '));
  assert.ok(!files.includes('calico-node-env') && !files.includes('calico-installation'), files.join(', '));
  const netConf = parseAllDocuments(renderHostFile(s, 'master01', 'flannel-net-conf').content)[0].toJS();
  assert.deepEqual(JSON.parse(netConf.data['net-conf.json']), {
    Network: '10.250.0.0/16',
    EnableNFTables: false,
    Backend: { Type: 'vxlan' },
  });
  const ds = parseAllDocuments(renderHostFile(s, 'master01', 'flannel-ds').content)[0].toJS();
  assert.equal(ds.spec.template.metadata.annotations['hakube.io/flannel-network'], '10.250.0.0/16');
  assert.deepEqual(ds.spec.template.spec.containers[0].env, [{ name: 'FLANNELD_IFACE_REGEX', value: s.network.calicoInterfaceRegex }]);
  assert.ok(s.network.calicoInterfaceRegex, 'the example names an interface');
  assert.throws(
    () =>
      loadInventory(
        writeInventory((doc) => {
          doc.setIn(['cni', 'plugin'], 'flannel');
          doc.setIn(['cni', 'install'], 'operator');
        }),
        { requireKeyFiles: true },
      ),
    /cni\.install.*the operator install is Calico's/s,
  );
});
