// The embedded Temporal: a local dev server (from the Temporal CLI) with its Web UI on 8233 and
// its state in a SQLite file, so an install survives hakube, the worker or the machine restarting.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { findTemporalCli, PROJECT_ROOT } from './temporal-cli';
import { hakubeHome } from './home';
import { codecServerAnswers, CODEC_HOST, DEFAULT_CODEC_PORT, startCodecServer } from './codec-server';
import { openCodec } from './codec';

export { hakubeHome };

export function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host, () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
  });
}

export interface DevServer {
  /** false when one was already running (started by another hakube): we leave it alone. */
  startedHere: boolean;
  stop(): Promise<void>;
}

export const devServerPidFile = () => path.join(hakubeHome(), 'temporal.pid');
export const codecServerPidFile = () => path.join(hakubeHome(), 'codec-server.pid');
export const codecPort = (env: NodeJS.ProcessEnv = process.env) => Number(env.HAKUBE_CODEC_PORT || DEFAULT_CODEC_PORT);

export interface DevServerOptions {
  uiPort?: number;
  log?: (line: string) => void;
  detached?: boolean;
  /** The codec key file: the Web UI shows payloads decrypted through a codec server that has it. */
  codecKeys: string;
  namespace?: string;
}

/**
 * Starts the embedded server unless one listens already. `detached`: it outlives this process (its PID
 * goes to ~/.hakube/temporal.pid for `hakube server stop`), so the Web UI stays up after `hakube up`.
 * A codec server on 127.0.0.1 starts and stops with it, and the Web UI is pointed at it.
 */
export async function ensureDevServer(address: string, options: DevServerOptions): Promise<DevServer> {
  const [host, portText] = address.split(':');
  const port = Number(portText);
  if (await portOpen(host, port)) return { startedHere: false, stop: async () => {} };
  // Everything the dev server opens (frontend, Web UI, HTTP API, metrics) binds this address.
  if (host !== '127.0.0.1') throw new Error(`the embedded Temporal server listens on 127.0.0.1 only, not ${host}`);
  const home = hakubeHome();
  fs.mkdirSync(home, { recursive: true, mode: 0o700 }); // the codec server's log and PID file go there too
  const uiPort = options.uiPort ?? 8233;
  const codec = await ensureCodecServer({ ...options, uiPort });
  const logFile = path.join(home, 'temporal.log');
  const out = fs.openSync(logFile, 'a');
  const args = [
    'server',
    'start-dev',
    '--ip',
    host,
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--ui-codec-endpoint',
    codec.url,
    '--db-filename',
    path.join(home, 'temporal.sqlite'),
    '--log-level',
    'warn',
    // Write-ahead log instead of a rollback journal: a commit appends to one file instead of writing and
    // deleting a journal, and readers (the Web UI, history polls) do not block the writer. Every event of
    // every workflow is a commit here. Durability is unchanged (SQLite's default synchronous=FULL still
    // syncs each commit); the setting stays with the database file once set.
    '--sqlite-pragma',
    'journal_mode=wal',
  ];
  options.log?.(`starting the embedded Temporal dev server (state in ${path.join(home, 'temporal.sqlite')}, log in ${logFile})`);
  const child: ChildProcess = spawn(findTemporalCli(), args, { stdio: ['ignore', out, out], detached: options.detached });
  fs.closeSync(out);
  if (options.detached) {
    child.unref();
    fs.writeFileSync(devServerPidFile(), `${child.pid}\n`);
  }
  const stop = async () => {
    await codec.stop();
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  try {
    for (let i = 0; i < 300 && !(await portOpen(host, port)); i++) {
      if (child.exitCode !== null) throw new Error(`the Temporal dev server exited with ${child.exitCode}; see ${logFile}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!(await portOpen(host, port))) throw new Error(`the Temporal dev server did not listen on ${address} within 60 s; see ${logFile}`);
  } catch (err) {
    if (!options.detached) await stop();
    throw err;
  }
  return { startedHere: true, stop };
}

/**
 * The codec server for the embedded Web UI: in this process when the dev server lives only as long as
 * this process, or as a detached `hakube codec server` (PID in ~/.hakube/codec-server.pid, stopped by
 * `hakube server stop`) when the dev server outlives it. One already answering on the port is reused.
 */
async function ensureCodecServer(options: DevServerOptions & { uiPort: number }): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = codecPort();
  const url = `http://${CODEC_HOST}:${port}`;
  if (await codecServerAnswers(port)) return { url, stop: async () => {} };
  if (await portOpen(CODEC_HOST, port))
    throw new Error(`port ${port} (for the codec server the Web UI needs) is taken by something else: free it or set HAKUBE_CODEC_PORT`);
  const uiOrigins = [`http://localhost:${options.uiPort}`, `http://127.0.0.1:${options.uiPort}`];
  const namespace = options.namespace ?? 'default';
  if (!options.detached) {
    const server = await startCodecServer({ codec: openCodec(options.codecKeys), port, uiOrigins, namespace, log: options.log });
    return { url, stop: () => server.close() };
  }
  const logFile = path.join(hakubeHome(), 'codec-server.log');
  const out = fs.openSync(logFile, 'a');
  const args = ['codec', 'server', '--port', String(port), '--namespace', namespace, ...uiOrigins.flatMap((o) => ['--ui-origin', o])];
  const child = spawn(path.join(PROJECT_ROOT, 'bin/hakube'), args, {
    stdio: ['ignore', out, out],
    detached: true,
    env: { ...process.env, HAKUBE_CODEC_KEYS: options.codecKeys },
  });
  fs.closeSync(out);
  child.unref();
  fs.writeFileSync(codecServerPidFile(), `${child.pid}\n`);
  for (let i = 0; i < 150 && !(await codecServerAnswers(port)); i++) {
    if (child.exitCode !== null) throw new Error(`the codec server exited with ${child.exitCode}; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!(await codecServerAnswers(port))) throw new Error(`the codec server did not answer on ${url} within 30 s; see ${logFile}`);
  return { url, stop: async () => void (await stopByPidFile(codecServerPidFile())) };
}

/** Stops the servers `hakube server start` left running (by the PIDs they recorded). */
export async function stopDetachedDevServer(): Promise<{ temporal: boolean; codec: boolean }> {
  return { temporal: await stopByPidFile(devServerPidFile()), codec: await stopByPidFile(codecServerPidFile()) };
}

/** False when no PID was recorded or the process was already gone. */
async function stopByPidFile(file: string): Promise<boolean> {
  if (!fs.existsSync(file)) return false;
  const pid = Number(fs.readFileSync(file, 'utf8').trim());
  fs.rmSync(file);
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return false; // already gone
  }
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  process.kill(pid, 'SIGKILL');
  return true;
}
