// Whole files between the worker's machine and a host over SFTP (etcd snapshots): streamed, never held
// in memory and never through Temporal. The remote side is a private temporary file (0600, owned by
// the SSH user so a sudo setup can read and write it) that the caller moves or removes as root.
import { randomBytes } from 'node:crypto';
import type { SFTPWrapper } from 'ssh2';
import type { HostConnection } from '../../inventory/spec';
import type { SshPool } from './pool';

const withSftp = <T>(pool: SshPool, conn: HostConnection, use: (s: SFTPWrapper) => Promise<T>) => pool.withSftp(conn, use);

/** A fresh private path under /tmp on the host for a transfer. */
export const remoteTransferPath = (suffix: string) => `/tmp/hakube-transfer-${randomBytes(6).toString('hex')}${suffix}`;

export function downloadFile(pool: SshPool, conn: HostConnection, remote: string, local: string): Promise<void> {
  // 0600 from the first byte: what is copied here (a snapshot) holds every Secret of the cluster.
  return withSftp(
    pool,
    conn,
    (s) => new Promise((resolve, reject) => s.fastGet(remote, local, { mode: 0o600 }, (err) => (err ? reject(err) : resolve()))),
  );
}

export function uploadFile(pool: SshPool, conn: HostConnection, local: string, remote: string): Promise<void> {
  return withSftp(
    pool,
    conn,
    (s) => new Promise((resolve, reject) => s.fastPut(local, remote, { mode: 0o600 }, (err) => (err ? reject(err) : resolve()))),
  );
}
