// One SSH connection per host per worker process, opened on first use and reopened after a drop.
// Channels (commands, SFTP sessions) on a connection are limited below OpenSSH's MaxSessions (10): one
// more is refused with "open failed", which looked like a dead connection, so the live one was dropped
// with every command on it (30 workers' joins all run commands on the first master at once).
import * as fs from 'node:fs';
import { Client, type SFTPWrapper } from 'ssh2';
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
      let privateKey: Buffer;
      try {
        privateKey = fs.readFileSync(conn.keyPath);
      } catch (err) {
        reject(new SshConnectError(key, new Error(`cannot read private key ${conn.keyPath}: ${(err as Error).message}`)));
        return;
      }
      // Only the key types recorded for the host may prove its identity (none recorded: any, then recorded).
      const types = recordedTypes(conn.knownHostsFile, conn.address, conn.port);
      this.open.add(client);
      client
        .on('ready', () => resolve(client))
        .on('error', (err) => reject(new SshConnectError(key, keyError ?? err)))
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
