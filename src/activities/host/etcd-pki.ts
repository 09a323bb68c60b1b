// etcd's certificates (etcd.tls): a CA on the first master, and on every master a server, a peer and
// an API-server client certificate. Each key is made on the host that uses it and hakube never moves
// it; only the CSR goes to the first master and the signed certificate comes back, through this worker.
// (kubeadm's --upload-certs does carry the first master's client pair to the joining masters, as it
// does for every external etcd: see docs/security.md.) Nothing secret passes through the workflow:
// the step's input and result hold no PEM at all.
import type { ClusterSpec } from '../../inventory/spec';
import { ETCD_PKI, ETCD_PKI_DIR, etcdDataDir, HOST_PATHS, type HostPathId } from '../../contracts/remote-files';
import { shq } from '../ssh/shell';
import type { HostSession } from './session';

/** kubeadm's lifetimes: ten years for the CA, one year for the certificates it signs. */
const CA_DAYS = 3650;
const CERT_DAYS = 365;
/** A certificate this close to its end is issued again by the next `hakube up`. */
const RENEW_BEFORE_SECONDS = 30 * 24 * 3600;

interface MemberCert {
  kind: 'server' | 'peer' | 'apiserver-etcd-client';
  file: HostPathId;
  cn: (host: string) => string;
  /** extendedKeyUsage. etcd's gRPC gateway dials its own client port with the server certificate,
   * so server and peer certificates serve as clients too. */
  usage: string;
  withSans: boolean;
}

const MEMBER_CERTS: readonly MemberCert[] = [
  { kind: 'server', file: 'etcd-server-cert', cn: (h) => h, usage: 'serverAuth,clientAuth', withSans: true },
  { kind: 'peer', file: 'etcd-peer-cert', cn: (h) => h, usage: 'serverAuth,clientAuth', withSans: true },
  { kind: 'apiserver-etcd-client', file: 'etcd-client-cert', cn: () => 'kube-apiserver-etcd-client', usage: 'clientAuth', withSans: false },
];

/**
 * This master's etcd certificates that end within RENEW_BEFORE_SECONDS (or are missing), by path, read in
 * one command: only their dates (etcdCertificatesDue checks the rest, one certificate at a time).
 */
export async function etcdCertificatesEndingSoon(s: HostSession): Promise<string[]> {
  const files = MEMBER_CERTS.map((c) => HOST_PATHS[c.file]);
  const out = await s.sh(
    `for c in ${files.join(' ')}; do openssl x509 -checkend ${RENEW_BEFORE_SECONDS} -noout -in $c >/dev/null 2>&1 || echo $c; done`,
  );
  return out.split('\n').filter(Boolean);
}

/** etcdctl's flags for this cluster: the API servers' client certificate when etcd.tls is on. */
export function etcdctlTlsFlags(spec: ClusterSpec): string {
  return spec.etcd.tls ? ` --cacert=${ETCD_PKI.caCert} --cert=${ETCD_PKI.clientCert} --key=${ETCD_PKI.clientKey}` : '';
}

/** The names a member's server and peer certificates are valid for, as `openssl` writes them. */
function sansOf(host: { name: string; address: string }) {
  const names = [`DNS:${host.name}`, 'DNS:localhost'];
  const ips = [host.address, '127.0.0.1'];
  return {
    request: [...names, ...ips.map((ip) => `IP:${ip}`)].join(','),
    printed: [...names, ...ips.map((ip) => `IPAddress:${ip}`)].join(','),
  };
}

const NEW_EC_KEY = 'openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256';

/** On the first master: the CA, made once under a lock (the masters' steps run in parallel). Prints ca.crt. */
const ENSURE_CA = `
set -eu
dir=$1; cn=$2; days=$3
mkdir -p -m 700 "$dir"
exec 9>"$dir/.ca.lock"; flock 9
if [ ! -s "$dir/ca.crt" ] || [ ! -s "$dir/ca.key" ]; then
  umask 077
  ${NEW_EC_KEY} -out "$dir/ca.key.new"
  openssl req -x509 -new -key "$dir/ca.key.new" -subj "/CN=$cn" -days "$days" -out "$dir/ca.crt.new" \\
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,digitalSignature,keyCertSign
  chmod 644 "$dir/ca.crt.new"
  mv -f "$dir/ca.key.new" "$dir/ca.key"; mv -f "$dir/ca.crt.new" "$dir/ca.crt"
fi
cat "$dir/ca.crt"
`;

/** On a member: exit 0 when kind's certificate is signed by ca.crt, far from its end, matches its key
 * and is valid for exactly the expected names. */
const CERT_CURRENT = `
set -u
dir=$1; kind=$2; sans=$3; renew=$4
crt=$dir/$kind.crt; key=$dir/$kind.key
[ -s "$crt" ] && [ -s "$key" ] && [ -s "$dir/ca.crt" ] || exit 1
openssl verify -CAfile "$dir/ca.crt" "$crt" >/dev/null 2>&1 || exit 1
openssl x509 -checkend "$renew" -noout -in "$crt" >/dev/null || exit 1
[ "$(openssl x509 -noout -pubkey -in "$crt")" = "$(openssl pkey -pubout -in "$key")" ] || exit 1
have=$(openssl x509 -noout -ext subjectAltName -in "$crt" 2>/dev/null | tail -n +2 | tr -d ' ')
[ "$have" = "$sans" ] || exit 1
`;

/** On a member: the key (made here if missing, 0600) and a CSR for it on stdout. */
const MAKE_CSR = `
set -eu
dir=$1; kind=$2; cn=$3
mkdir -p -m 700 "$dir"
umask 077
if [ ! -s "$dir/$kind.key" ]; then ${NEW_EC_KEY} -out "$dir/$kind.key.new"; mv -f "$dir/$kind.key.new" "$dir/$kind.key"; fi
openssl req -new -key "$dir/$kind.key" -subj "/CN=$cn"
`;

/** On the first master: signs the CSR on stdin. The CA decides usage and names, not the request. */
const SIGN_CSR = `
set -eu
dir=$1; usage=$2; sans=$3; days=$4
# Shared: signings run side by side, never while ENSURE_CA replaces the CA's two files.
exec 9>"$dir/.ca.lock"; flock -s 9
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/req.csr"
openssl req -verify -noout -in "$tmp/req.csr" 2>/dev/null
{
  echo "basicConstraints=critical,CA:FALSE"
  echo "keyUsage=critical,digitalSignature,keyEncipherment"
  echo "extendedKeyUsage=$usage"
  [ -z "$sans" ] || echo "subjectAltName=$sans"
} > "$tmp/ext.cnf"
openssl x509 -req -in "$tmp/req.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -set_serial "0x$(openssl rand -hex 16)" \\
  -days "$days" -sha256 -extfile "$tmp/ext.cnf" -out "$tmp/out.crt" 2>/dev/null
cat "$tmp/out.crt"
`;

const script = (body: string, ...args: string[]) => `/bin/sh -c ${shq(body)} etcd-pki ${args.map(shq).join(' ')}`;

/** The CA certificate (made on the first master when it has none yet). */
async function ensureCa(signer: HostSession): Promise<string> {
  const pem = await signer.sh(script(ENSURE_CA, ETCD_PKI_DIR, `etcd-ca-${signer.spec.name}`, String(CA_DAYS)));
  if (!pem.includes('BEGIN CERTIFICATE')) signer.refuse(`the etcd CA at ${ETCD_PKI.caCert} could not be read`);
  return pem;
}

export type EtcdCertKind = MemberCert['kind'];

/**
 * Which of this master's etcd certificates must be issued: missing, not from the CA, not matching its
 * key or names, or ending within `renewBeforeSeconds` (every one when that is 'all': a renewal).
 */
export async function etcdCertificatesDue(
  s: HostSession,
  renewBeforeSeconds: number | 'all' = RENEW_BEFORE_SECONDS,
): Promise<EtcdCertKind[]> {
  if (renewBeforeSeconds === 'all') return MEMBER_CERTS.map((c) => c.kind);
  const due: EtcdCertKind[] = [];
  for (const cert of MEMBER_CERTS) {
    const printed = cert.withSans ? sansOf(s.host).printed : '';
    if (!(await s.test(script(CERT_CURRENT, ETCD_PKI_DIR, cert.kind, printed, String(renewBeforeSeconds))))) due.push(cert.kind);
  }
  return due;
}

/** Issues these certificates of this master (its key kept, or made here), signed on the first master. */
export async function issueEtcdCertificates(s: HostSession, signer: HostSession, kinds: readonly EtcdCertKind[]): Promise<boolean> {
  const caPem = await ensureCa(signer);
  let changed = (await s.write('etcd-ca-cert', caPem, 0o644)).changed;
  for (const cert of MEMBER_CERTS.filter((c) => kinds.includes(c.kind))) {
    const request = cert.withSans ? sansOf(s.host).request : '';
    s.log(`issuing the etcd ${cert.kind} certificate of ${s.host.name}`);
    const csr = await s.sh(script(MAKE_CSR, ETCD_PKI_DIR, cert.kind, cert.cn(s.host.name)));
    const pem = await signer.sh(script(SIGN_CSR, ETCD_PKI_DIR, cert.usage, request, String(CERT_DAYS)), { stdin: csr });
    if (!pem.includes('BEGIN CERTIFICATE')) s.refuse(`the first master returned no certificate for etcd ${cert.kind}`);
    await s.write(cert.file, pem, 0o644);
    changed = true;
  }
  return changed;
}

/**
 * Makes this master's etcd certificates current; true when any was (re)issued. Run on every master;
 * `signer` is the first master's session (the same host for the first master itself).
 */
export async function ensureEtcdCertificates(s: HostSession, signer: HostSession): Promise<boolean> {
  // The CA first: CERT_CURRENT verifies against the ca.crt on this host.
  const caChanged = (await s.write('etcd-ca-cert', await ensureCa(signer), 0o644)).changed;
  const due = await etcdCertificatesDue(s);
  return (due.length > 0 && (await issueEtcdCertificates(s, signer, due))) || caChanged;
}

/**
 * A member that already holds data keeps the peer URLs it was created with: restarting it with the
 * other scheme cuts it off from its peers. Switching a running cluster between http and https is a
 * member-by-member job hakube does not automate yet, so it stops and says so: in preflight, before
 * anything is changed (an abort then leaves the running etcd alone), and again before etcd starts.
 */
export async function refuseSchemeSwitch(s: HostSession, settingsFile: string): Promise<void> {
  const wanted = s.spec.etcd.scheme;
  const other = wanted === 'https' ? 'http' : 'https';
  const hasData = await s.test(`test -d ${etcdDataDir(s.spec.name)}/member`);
  if (hasData && (await s.test(`grep -Eq ${shq(`${other}://${s.host.address.replace(/\./g, '\\.')}:2380`)} ${shq(settingsFile)}`)))
    s.refuse(
      `etcd on this host runs with ${other} and holds data; hakube does not switch a running etcd cluster to ${wanted}. ` +
        `Set etcd.tls: ${wanted === 'http'} in the inventory to keep it as it is (hakube ${wanted === 'https' ? 'now defaults to TLS' : 'was asked for plain HTTP'}), or reset the cluster and install it again.`,
      'EtcdSchemeSwitch',
    );
}
