// Runs one command on a host: streamed output, exit code, timeout, cancellation that kills the
// remote process group, and redaction of secrets from everything it reports.
import type { Client, ClientChannel } from 'ssh2';
import type { HostConnection } from '../../inventory/spec';
import { isChannelRefused, openChannel, type SshPool } from './pool';
import { PGID_MARKER, wrapCommand } from './shell';

export interface ExecOptions {
  /** Run as root through sudo -n (default: the host's ssh.sudo). */
  sudo?: boolean;
  timeoutMs?: number;
  /** Sent to the command's stdin, then closed. */
  stdin?: string | Buffer;
  /** Called with each raw chunk of output: a secret may straddle two chunks, so a consumer that shows
   * output masks what it has gathered, not the chunk (HostSession does). */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /** Aborting kills the remote command. */
  signal?: AbortSignal;
  /** Strings masked as *** in output and errors (tokens, keys). */
  redact?: string[];
  /** Run only while this step attempt holds the host's step lock (see shell.ts). */
  lockOwner?: string;
}

export interface ExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly host: string,
    readonly command: string,
    readonly result: ExecResult,
  ) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-8).join('\n');
    super(`${host}: \`${command}\` exited with ${result.code ?? result.signal}${tail ? `:\n${tail}` : ''}`);
    this.name = 'CommandError';
  }
}

export class CommandTimeoutError extends Error {
  constructor(host: string, command: string, timeoutMs: number) {
    super(`${host}: \`${command}\` did not finish within ${Math.round(timeoutMs / 1000)} s and was killed`);
    this.name = 'CommandTimeoutError';
  }
}

export class CommandCancelledError extends Error {
  constructor(host: string, command: string) {
    super(`${host}: \`${command}\` was cancelled and killed`);
    this.name = 'CommandCancelledError';
  }
}

const MAX_KEPT = 1 << 20;

export function redactor(secrets: string[] = []): (s: string) => string {
  const real = secrets.filter((s) => s.length >= 4);
  return (s) => real.reduce((acc, secret) => acc.split(secret).join('***'), s);
}

function openExec(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => client.exec(command, (err, stream) => (err ? reject(err) : resolve(stream))));
}

export async function exec(pool: SshPool, conn: HostConnection, command: string, options: ExecOptions = {}): Promise<ExecResult> {
  // One channel from the connection's slots for the command's whole life (see pool.ts); a command
  // cancelled while it waits for one never starts.
  const release = await pool.channelSlot(conn, options.signal).catch((err: unknown) => {
    throw options.signal?.aborted ? new CommandCancelledError(conn.address, redactor(options.redact)(command)) : err;
  });
  try {
    return await execOnChannel(pool, conn, command, options);
  } finally {
    release();
  }
}

async function execOnChannel(pool: SshPool, conn: HostConnection, command: string, options: ExecOptions): Promise<ExecResult> {
  const redact = redactor(options.redact);
  const shown = redact(command);
  const wrapped = wrapCommand(command, options.sudo ?? conn.sudo, options.lockOwner);
  let client = await pool.get(conn);
  let stream: ClientChannel;
  try {
    stream = await openChannel(() => openExec(client, wrapped));
  } catch (err) {
    // Refused for sshd's session limit even after waiting: the connection is alive and busy; dropping it
    // would kill every command on it.
    if (isChannelRefused(err)) throw err;
    // The pooled connection may have died since it was last used: one fresh attempt.
    pool.forget(conn, client);
    client = await pool.get(conn);
    stream = await openChannel(() => openExec(client, wrapped));
  }

  return new Promise<ExecResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let pgid: string | undefined;
    let stderrHead = '';
    let settled = false;
    let ended: Error | undefined;

    const keep = (acc: string, chunk: string) => (acc.length + chunk.length > MAX_KEPT ? (acc + chunk).slice(-MAX_KEPT) : acc + chunk);

    const killRemote = () => {
      if (pgid) {
        // A separate channel: the command's own channel may be blocked on output.
        const kill = wrapCommand(
          `kill -TERM -${pgid} 2>/dev/null; sleep 2; kill -KILL -${pgid} 2>/dev/null; true`,
          options.sudo ?? conn.sudo,
        );
        // Through openChannel: many commands cancelled at once must not have their kills refused by sshd.
        openChannel(() => openExec(client, kill)).then(
          (s) => s.resume().stderr.resume(),
          () => undefined,
        );
      }
      try {
        stream.signal('KILL');
      } catch {
        /* not all servers accept signals */
      }
      stream.close();
    };
    const stop = (err: Error) => {
      if (ended) return;
      ended = err;
      killRemote();
      // The channel closes when the remote process is gone; if the kill did not work, do not hang:
      // report the error and drop the connection (its channel is stuck).
      setTimeout(() => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        pool.forget(conn, client);
        reject(err);
      }, 10_000).unref();
    };

    const timer = options.timeoutMs
      ? setTimeout(() => stop(new CommandTimeoutError(conn.address, shown, options.timeoutMs!)), options.timeoutMs)
      : undefined;
    const onAbort = () => stop(new CommandCancelledError(conn.address, shown));
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    stream.on('data', (data: Buffer) => {
      const chunk = data.toString('utf8');
      stdout = keep(stdout, chunk);
      options.onOutput?.(chunk, 'stdout');
    });
    stream.stderr.on('data', (data: Buffer) => {
      let chunk = data.toString('utf8');
      if (pgid === undefined) {
        // The wrapper's first stderr line is the process group id, not the command's output.
        stderrHead += chunk;
        const nl = stderrHead.indexOf('\n');
        if (nl < 0) return;
        const first = stderrHead.slice(0, nl);
        chunk = stderrHead.slice(nl + 1);
        pgid = first.startsWith(PGID_MARKER) ? first.slice(PGID_MARKER.length).trim() : '';
        if (!first.startsWith(PGID_MARKER)) chunk = `${first}\n${chunk}`;
        if (!chunk) return;
      }
      stderr = keep(stderr, chunk);
      options.onOutput?.(chunk, 'stderr');
    });
    stream.on('close', (code: number | null, signal?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (ended) reject(ended);
      else
        resolve({
          code: code ?? null,
          signal: signal ?? undefined,
          // Redacted whole, after the last chunk: a secret split across chunks is masked too.
          stdout: redact(stdout),
          stderr: redact(stderr || (pgid === undefined ? stderrHead : '')),
        });
    });
    stream.on('error', (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${conn.address}: \`${shown}\` failed: ${redact(err.message)}`));
    });

    if (options.stdin !== undefined) stream.end(options.stdin);
    else stream.end();
  });
}

/** exec that throws CommandError on a non-zero exit. */
export async function run(pool: SshPool, conn: HostConnection, command: string, options: ExecOptions = {}): Promise<ExecResult> {
  const result = await exec(pool, conn, command, options);
  if (result.code !== 0) throw new CommandError(conn.address, redactor(options.redact)(command), result);
  return result;
}
