// hakube certs check -c NAME | -f cluster.yaml [--warn-days N]: every certificate kubeadm and hakube
// issued, on every host, with the days it has left: the control plane's (/etc/kubernetes/pki and the
// certificates inside the kubeconfigs), etcd's (/etc/etcd/pki: with external etcd kubeadm leaves them to
// the installer) and each kubelet's client certificate. Read over SSH, nothing changed, no Temporal.
// Exit 1 when any expires within --warn-days (default 30), for monitoring.
import { clusterSpec, type ClusterRef } from './cluster-ref';
import { SshPool } from '../activities/ssh/pool';
import { run } from '../activities/ssh/exec';
import { shq } from '../activities/ssh/shell';
import { LIST_CERTIFICATES, parseExpiries } from '../activities/host/cert-expiry';

export interface CertsOptions extends ClusterRef {
  warnDays?: string;
}

export const DEFAULT_WARN_DAYS = 30;

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
        ? `\n${soon.length} certificate(s) expire within ${warnDays} days: renew them: \`hakube certs renew -c ${spec.name} --within ${Math.max(1, warnDays)}\``
        : `\nevery certificate of ${spec.name} has ${warnDays} days or more left (the soonest: ${Math.min(...all.map((e) => e.daysLeft))} days)`,
    );
    return soon.length ? 1 : 0;
  } finally {
    await pool.closeAll();
  }
}
