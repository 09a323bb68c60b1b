// hakube kubeconfig -c NAME | -f cluster.yaml [--out FILE] [--server URL] [--user NAME --group G --ttl 24h]
// The admin kubeconfig (or a personal one) copied over SSH straight into a 0600 file: it never passes
// through Temporal (no workflow, no history), and its content is never printed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { clusterSpec, type ClusterRef } from './cluster-ref';
import { hostByName } from '../inventory/spec';
import { HOST_PATHS, remotePath } from '../contracts/remote-files';
import { SshPool } from '../activities/ssh/pool';
import { readFile } from '../activities/ssh/files';
import { run } from '../activities/ssh/exec';
import { shq } from '../activities/ssh/shell';

export interface KubeconfigOptions extends ClusterRef {
  out?: string;
  server?: string;
  user?: string;
  group?: string[];
  ttl?: string;
}

const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9@._:-]{0,63}$/;
const DURATION = /^(\d+h)?(\d+m)?$/;

export async function kubeconfigCommand(options: KubeconfigOptions): Promise<number> {
  // Checked before any host is touched: these reach a root shell on the first master.
  if (options.user !== undefined && !USER_NAME.test(options.user))
    throw new Error(`--user "${options.user.slice(0, 64)}": use letters, digits and @ . _ : - (up to 64)`);
  for (const g of options.group ?? [])
    if (!USER_NAME.test(g)) throw new Error(`--group "${g.slice(0, 64)}": use letters, digits and @ . _ : - (up to 64)`);
  if (options.group?.length && !options.user) throw new Error('--group needs --user (the admin kubeconfig has its own groups)');
  const ttl = options.ttl ?? '24h';
  if (!DURATION.test(ttl) || ttl === '') throw new Error(`--ttl "${ttl.slice(0, 20)}": a duration such as 24h, 720h or 90m`);
  const spec = await clusterSpec(options);
  const server = options.server ?? `https://${spec.controlPlaneEndpoint.value}`;
  if (!/^https:\/\/[A-Za-z0-9.:[\]-]+(\/.*)?$/.test(server)) throw new Error(`--server "${server.slice(0, 80)}": an https:// URL`);
  const out = path.resolve(
    options.out ?? `${spec.name}${options.user ? `-${options.user.replace(/[^A-Za-z0-9._-]/g, '_')}` : ''}.kubeconfig`,
  );

  const master = hostByName(spec, spec.firstMaster);
  const pool = new SshPool();
  try {
    const text = options.user
      ? // kubeadm's own way to a personal certificate: signed by the cluster CA, with the groups as O=.
        (
          await run(
            pool,
            master.ssh,
            `kubeadm kubeconfig user --config ${remotePath('kubeadm-init')} --client-name ${shq(options.user)}` +
              `${(options.group ?? []).map((g) => ` --org ${shq(g)}`).join('')} --validity-period ${ttl}`,
            { timeoutMs: 60_000 },
          )
        ).stdout
      : await readFile(pool, master.ssh, HOST_PATHS['admin-conf'], { timeoutMs: 60_000 });
    const doc = parseDocument(text);
    const clusters = doc.get('clusters') as { items?: unknown[] } | undefined;
    if (!clusters?.items?.length) throw new Error(`${master.name}: the kubeconfig has no cluster entry`);
    for (let i = 0; i < clusters.items.length; i++) doc.setIn(['clusters', i, 'cluster', 'server'], server);
    writePrivate(out, doc.toString());
  } finally {
    await pool.closeAll();
  }
  console.log(
    `${options.user ? `kubeconfig for ${options.user} (valid ${ttl}${options.group?.length ? `, groups ${options.group.join(', ')}` : ''})` : 'admin kubeconfig'}` +
      ` written to ${out} (0600), server ${server}`,
  );
  if (options.user && !options.group?.length)
    console.log(
      `${options.user} has no rights until a (Cluster)RoleBinding names it; --group kubeadm:cluster-admins makes a cluster admin`,
    );
  return 0;
}

/** Written 0600 from the start (never briefly readable) and moved into place. */
function writePrivate(file: string, content: string): void {
  const tmp = `${file}.hakube-${process.pid}`;
  fs.writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
  fs.renameSync(tmp, file);
  fs.chmodSync(file, 0o600);
}
