// One SSH connection per host per worker process, opened on first use and reopened after a drop.
// Channels (commands, SFTP sessions) on a connection are limited below OpenSSH's MaxSessions (10): one
// more is refused with "open failed", which looked like a dead connection, so the live one was dropped
// with every command on it (30 workers' joins all run commands on the first master at once).
import * as fs from 'node:fs';
import { Client, type SFTPWrapper } from 'ssh2';
import type { HostConnection } from '../../inventory/spec';
import { checkHostKey, hostKeyAlgorithms, hostKeyTypeChanged, recordedTypes, type ScannedKey } from './known-hosts';

export class SshConnectError extends Error {
  constructor(
    readonly target: string,
    cause: Error,
  ) {
    super(`cannot connect to ${target}: ${cause.message}`);
    // A changed host key and a knownHostsFile hakube may not use are not fixed by retrying: pause at once.
    this.name = HOST_KEY_FAILURES.includes(cause.name) ? 'HostKeyMismatchError' : 'SshConnectError';
  }
}

const HOST_KEY_FAILURES = ['HostKeyMismatchError', 'KnownHostsFileError'];

/** Host key algorithms a key scan may meet, most wanted first (ssh-rsa's three are one key type). */
const SCANNED_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];
const SCANNED_KEY_TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'];

/**
 * The host keys a server offers, as ssh-keyscan finds them: one connection per key type, asking for that
 * type first and every other after it (so that the server always finds a type it has and never aborts the
 * handshake), each ended as soon as the server presented its key: the key is refused, nothing is
 * authenticated or sent.
 */
export async function scanHostKeys(address: string, port: number, types: string[] = [], timeoutMs = 10_000): Promise<ScannedKey[]> {
  const asked = [...new Set([...types, ...SCANNED_KEY_TYPES])];
  return Promise.all(
    asked.map(
      (type) =>
        new Promise<ScannedKey>((resolve) => {
          const client = new Client();
          let key: Buffer | undefined;
          const done = () => {
            client.end();
            resolve({ asked: type, key });
          };
          client.on('error', done).on('close', done).on('ready', done);
          const first = hostKeyAlgorithms(type);
          try {
            client.connect({
              host: address,
              port,
              username: 'hakube-keyscan',
              readyTimeout: timeoutMs,
              algorithms: { serverHostKey: [...first, ...SCANNED_ALGORITHMS.filter((a) => !first.includes(a))] as never },
              hostVerifier: (blob: Buffer) => {
                key = blob;
                return false;
              },
            });
          } catch {
            done(); // a type ssh2 does not know
          }
        }),
    ),
  );
}

export const connectionKey = (c: HostConnection) => `${c.user}@${c.address}:${c.port}`;

/** Channels open at once on one connection: below OpenSSH's MaxSessions default (10), leaving room for the
 * kill of a cancelled command and for sessions sshd still counts for a moment after their channel closed. */
export const MAX_CHANNELS = 6;

/** sshd refused a channel ("open failed"): its session limit, not a dead connection. */
export const isChannelRefused = (err: unknown) => err instanceof Error && err.message.startsWith('(SSH) Channel open failure: open failed');

/**
 * Opens a channel, waiting a little and trying again while sshd refuses it for its session limit (a session
 * closed on our side is freed on sshd's a moment later); any other failure is thrown at once.
 */
export async function openChannel<T>(open: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await open();
    } catch (err) {
      if (!isChannelRefused(err) || attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

/** Waiters for a connection's channels, first come first served. */
class ChannelSlots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}
  /** A slot, or the signal's reason when it aborts first (a cancelled activity leaves the queue). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw signal.reason;
    if (this.used >= this.max)
      await new Promise<void>((resolve, reject) => {
        const take = () => {
          signal?.removeEventListener('abort', leave);
          resolve();
        };
        const leave = () => {
          const i = this.waiting.indexOf(take);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal!.reason);
        };
        this.waiting.push(take);
        signal?.addEventListener('abort', leave, { once: true });
      });
    else this.used++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next)
        next(); // the slot passes on
      else this.used--;
    };
  }
}

export class SshPool {
  private readonly clients = new Map<string, Promise<Client>>();
  /** Every client opened and not yet closed, the dropped ones too: closeAll ends them all, so no socket keeps the process alive. */
  private readonly open = new Set<Client>();
  private readonly slots = new Map<string, ChannelSlots>();
  /** Which client each connected entry of `clients` holds (to drop an entry only if it is a given client). */
  private readonly resolved = new WeakMap<Promise<Client>, Client>();

  constructor(private readonly options: { readyTimeoutMs?: number; keepaliveIntervalMs?: number } = {}) {}

  /** A connected client for the host; reconnects when the previous connection closed. */
  get(conn: HostConnection): Promise<Client> {
    const key = connectionKey(conn);
    let client = this.clients.get(key);
    if (!client) {
      const connecting = this.connect(conn);
      this.clients.set(key, connecting);
      connecting.then(
        (c) => this.resolved.set(connecting, c),
        () => this.dropEntry(key, connecting),
      );
      client = connecting;
    }
    return client;
  }

  /** Waits for a free channel on the host's connection; call the returned function when the channel closed. */
  channelSlot(conn: HostConnection, signal?: AbortSignal): Promise<() => void> {
    const key = connectionKey(conn);
    let slots = this.slots.get(key);
    if (!slots) this.slots.set(key, (slots = new ChannelSlots(MAX_CHANNELS)));
    return slots.acquire(signal);
  }

  /** An SFTP session on the host (one channel), ended after use. */
  async withSftp<T>(conn: HostConnection, use: (s: SFTPWrapper) => Promise<T>): Promise<T> {
    const release = await this.channelSlot(conn);
    try {
      const client = await this.get(conn);
      const s = await openChannel(
        () => new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, w) => (err ? reject(err) : resolve(w)))),
      );
      try {
        return await use(s);
      } finally {
        // The slot is free once the channel is closed, not when asked to close (at most 5 s).
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 5000);
          s.once('close', () => (clearTimeout(timer), resolve()));
          s.end();
        });
      }
    } finally {
      release();
    }
  }

  /** Removes the map's entry only if it is still this connection (a newer one may have replaced it). */
  private dropEntry(key: string, entry: Promise<Client>): void {
    if (this.clients.get(key) === entry) this.clients.delete(key);
  }

  /** Drops the cached connection (after an error that suggests it is dead). */
  /**
   * Drops the host's connection; with `dead`, only if it is still that one: commands failing together on
   * a dead connection must not each drop the fresh one the first of them opened.
   */
  forget(conn: HostConnection, dead?: Client): void {
    const key = connectionKey(conn);
    const entry = this.clients.get(key);
    if (!entry) return;
    if (!dead) {
      this.clients.delete(key);
      entry.then((c) => c.end()).catch(() => {});
      return;
    }
    if (this.resolved.get(entry) === dead) this.clients.delete(key);
    dead.end();
  }

  /** Ends every connection, the ones still connecting too (they end once connected). */
  async closeAll(): Promise<void> {
    const connecting = [...this.clients.values()];
    this.clients.clear();
    for (const c of this.open) c.end();
    await Promise.all(connecting.map((p) => p.then((c) => c.end()).catch(() => {})));
  }

  /** Connections open now (dropped ones until their socket closed): for tests and leak checks. */
  get openConnections(): number {
    return this.open.size;
  }

  private connect(conn: HostConnection): Promise<Client> {
    const key = connectionKey(conn);
    return new Promise((resolve, reject) => {
      const client = new Client();
      let keyError: Error | undefined;
      let sawHostKey = false;
      let privateKey: Buffer;
      try {
        privateKey = fs.readFileSync(conn.keyPath);
      } catch (err) {
        reject(new SshConnectError(key, new Error(`cannot read private key ${conn.keyPath}: ${(err as Error).message}`)));
        return;
      }
      // Only the key types recorded for the host may prove its identity (none recorded: any, then recorded).
      let types: string[];
      try {
        types = recordedTypes(conn.knownHostsFile, conn.address, conn.port);
      } catch (err) {
        reject(new SshConnectError(key, err as Error));
        return;
      }
      this.open.add(client);
      client
        .on('ready', () => resolve(client))
        .on('error', (err) => {
          // Failed before the host showed a key, with only the recorded types offered: ssh2 found none of them
          // in the host's list, or sshd (finding none of its own in ours) reset the connection first. When a key
          // scan shows the host has none of the recorded keys, it is a changed key, and said as one.
          if (!sawHostKey && types.length && /no matching host key format|ECONNRESET|before handshake/.test(err.message)) {
            scanHostKeys(conn.address, conn.port, types)
              .then((scan) => hostKeyTypeChanged(conn.knownHostsFile, conn.address, conn.port, scan) ?? err)
              .catch((scanErr: Error) => scanErr)
              .then((cause) => reject(new SshConnectError(key, cause)), reject);
            return;
          }
          reject(new SshConnectError(key, keyError ?? err));
        })
        .on('close', () => {
          this.open.delete(client);
          // Only this connection's entry: after a drop the key may already hold a newer connection.
          const entry = this.clients.get(key);
          if (entry && this.resolved.get(entry) === client) this.clients.delete(key);
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
            sawHostKey = true;
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
      // TCP_NODELAY (ssh2 leaves Nagle's algorithm on): a command's small packets sent in quick succession
      // waited for the host's delayed ACK, ~43 ms per command, and a step runs several (measured in the lab,
      // one connection: `true` 47.7 ms a command with Nagle, 4.6 ms without). Set on the socket connect() made.
      client.setNoDelay(true);
    });
  }
}
