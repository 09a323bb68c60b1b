// hakube certs check -c NAME | -f cluster.yaml [--warn-days N]: every certificate kubeadm and hakube
// issued, on every host, with the days it has left: the control plane's (/etc/kubernetes/pki and the
// certificates inside the kubeconfigs), etcd's (/etc/etcd/pki: with external etcd kubeadm leaves them to
// the installer) and each kubelet's client certificate. Read over SSH, nothing changed, no Temporal.
// Exit 1 when any expires within --warn-days (default 30), for monitoring.
import { clusterSpec, type ClusterRef } from './cluster-ref';
import { SshPool } from '../activities/ssh/pool';
import { run } from '../activities/ssh/exec';
import { shq } from '../activities/ssh/shell';
import { ETCD_PKI_DIR } from '../contracts/remote-files';

export interface CertsOptions extends ClusterRef {
  warnDays?: string;
}

export const DEFAULT_WARN_DAYS = 30;

/** Prints "path|notAfter" for every certificate file and every kubeconfig's embedded client certificate. */
const LIST_CERTIFICATES = `
for f in /etc/kubernetes/pki/*.crt ${ETCD_PKI_DIR}/*.crt /var/lib/kubelet/pki/kubelet-client-current.pem; do
  [ -f "$f" ] && echo "$f|$(openssl x509 -enddate -noout -in "$f" | cut -d= -f2)"
done
for k in /etc/kubernetes/*.conf; do
  [ -f "$k" ] || continue
  d=$(awk '/client-certificate-data:/ { print $2; exit }' "$k")
  [ -n "$d" ] && echo "$k|$(printf '%s' "$d" | base64 -d | openssl x509 -enddate -noout | cut -d= -f2)"
done
true`;

export interface CertificateExpiry {
  host: string;
  certificate: string;
  notAfter: Date;
  daysLeft: number;
}

/** The script's lines into expiries (days left rounded down), soonest first. */
export function parseExpiries(host: string, text: string, now: Date): CertificateExpiry[] {
  return text
    .split('\n')
    .map((l) => l.trim().split('|'))
    .filter((p): p is [string, string] => p.length === 2 && !!p[1])
    .map(([certificate, end]) => {
      const notAfter = new Date(end);
      return { host, certificate, notAfter, daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000) };
    })
    .filter((e) => !Number.isNaN(e.notAfter.getTime()));
}

export async function certsCheckCommand(options: CertsOptions): Promise<number> {
  const warnDays = options.warnDays === undefined ? DEFAULT_WARN_DAYS : Number(options.warnDays);
  if (!Number.isInteger(warnDays) || warnDays < 0 || warnDays > 3650)
    throw new Error(`--warn-days ${options.warnDays}: whole days from 0 to 3650`);
  const spec = await clusterSpec(options);
  const pool = new SshPool();
  const now = new Date();
  try {
    const all = (
      await Promise.all(
        spec.hosts.map(async (h) =>
          parseExpiries(h.name, (await run(pool, h.ssh, `/bin/sh -c ${shq(LIST_CERTIFICATES)}`, { timeoutMs: 60_000 })).stdout, now),
        ),
      )
    ).flat();
    const width = Math.max(...all.map((e) => e.certificate.length), 11);
    console.log(`${'HOST'.padEnd(12)} ${'CERTIFICATE'.padEnd(width)} ${'EXPIRES (UTC)'.padEnd(20)} DAYS LEFT`);
    for (const e of all)
      console.log(
        `${e.host.padEnd(12)} ${e.certificate.padEnd(width)} ${e.notAfter.toISOString().slice(0, 16).replace('T', ' ').padEnd(20)} ` +
          `${e.daysLeft}${e.daysLeft < warnDays ? `  <- within ${warnDays} days` : ''}`,
      );
    if (!all.length) throw new Error(`no certificate found on the hosts of ${spec.name}: is it installed?`);
    const soon = all.filter((e) => e.daysLeft < warnDays);
    console.log(
      soon.length
        ? `\n${soon.length} certificate(s) expire within ${warnDays} days: renew them (kubeadm certs renew on the masters; etcd's: hakube up re-issues them within 30 days of expiry)`
        : `\nevery certificate of ${spec.name} has ${warnDays} days or more left (the soonest: ${Math.min(...all.map((e) => e.daysLeft))} days)`,
    );
    return soon.length ? 1 : 0;
  } finally {
    await pool.closeAll();
  }
}
