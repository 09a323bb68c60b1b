// One SSH connection per host per worker process, opened on first use and reopened after a drop.
import * as fs from 'node:fs';
import { Client } from 'ssh2';
import type { HostConnection } from '../../inventory/spec';
import { checkHostKey, hostKeyAlgorithms, recordedTypes } from './known-hosts';

export class SshConnectError extends Error {
  constructor(
    readonly target: string,
    cause: Error,
  ) {
    super(`cannot connect to ${target}: ${cause.message}`);
    this.name = cause.name === 'HostKeyMismatchError' ? 'HostKeyMismatchError' : 'SshConnectError';
  }
}

export const connectionKey = (c: HostConnection) => `${c.user}@${c.address}:${c.port}`;

export class SshPool {
  private readonly clients = new Map<string, Promise<Client>>();

  constructor(private readonly options: { readyTimeoutMs?: number; keepaliveIntervalMs?: number } = {}) {}

  /** A connected client for the host; reconnects when the previous connection closed. */
  get(conn: HostConnection): Promise<Client> {
    const key = connectionKey(conn);
    let client = this.clients.get(key);
    if (!client) {
      client = this.connect(conn);
      this.clients.set(key, client);
      client.catch(() => this.clients.delete(key));
    }
    return client;
  }

  /** Drops the cached connection (after an error that suggests it is dead). */
  forget(conn: HostConnection): void {
    const key = connectionKey(conn);
    const client = this.clients.get(key);
    this.clients.delete(key);
    client?.then((c) => c.end()).catch(() => {});
  }

  async closeAll(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((p) => p.then((c) => c.end()).catch(() => {})));
  }

  private connect(conn: HostConnection): Promise<Client> {
    const key = connectionKey(conn);
    return new Promise((resolve, reject) => {
      const client = new Client();
      let keyError: Error | undefined;
      let privateKey: Buffer;
      try {
        privateKey = fs.readFileSync(conn.keyPath);
      } catch (err) {
        reject(new SshConnectError(key, new Error(`cannot read private key ${conn.keyPath}: ${(err as Error).message}`)));
        return;
      }
      // Only the key types recorded for the host may prove its identity (none recorded: any, then recorded).
      const types = recordedTypes(conn.knownHostsFile, conn.address, conn.port);
      client
        .on('ready', () => resolve(client))
        .on('error', (err) => reject(new SshConnectError(key, keyError ?? err)))
        .on('close', () => {
          if (this.clients.get(key)) this.clients.delete(key);
        })
        .connect({
          host: conn.address,
          port: conn.port,
          username: conn.user,
          privateKey,
          readyTimeout: this.options.readyTimeoutMs ?? 20_000,
          keepaliveInterval: this.options.keepaliveIntervalMs ?? 10_000,
          keepaliveCountMax: 3,
          ...(types.length && { algorithms: { serverHostKey: types.flatMap(hostKeyAlgorithms) as never } }),
          hostVerifier: (blob: Buffer) => {
            try {
              return checkHostKey(conn.knownHostsFile, conn.address, conn.port, blob, {
                strict: conn.strictHostKeyChecking,
                onFirstContact: (host, type, fp) =>
                  console.error(`hakube: first contact with ${host}: recorded its ${type} key ${fp} in ${conn.knownHostsFile}`),
              });
            } catch (err) {
              keyError = err as Error;
              return false;
            }
          },
        });
    });
  }
}
