// The embedded Temporal: a local dev server (from the Temporal CLI) with its Web UI on 8233 and
// its state in a SQLite file, so an install survives hakube, the worker or the machine restarting.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { findTemporalCli } from './temporal-cli';

export const hakubeHome = (env: NodeJS.ProcessEnv = process.env) => env.HAKUBE_HOME || path.join(os.homedir(), '.hakube');

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

/**
 * Starts the embedded server unless one listens already. `detached`: it outlives this process (its PID
 * goes to ~/.hakube/temporal.pid for `hakube server stop`), so the Web UI stays up after `hakube up`.
 */
export async function ensureDevServer(
  address: string,
  options: { uiPort?: number; log?: (line: string) => void; detached?: boolean } = {},
): Promise<DevServer> {
  const [host, portText] = address.split(':');
  const port = Number(portText);
  if (await portOpen(host, port)) return { startedHere: false, stop: async () => {} };
  const home = hakubeHome();
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
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
    String(options.uiPort ?? 8233),
    '--db-filename',
    path.join(home, 'temporal.sqlite'),
    '--log-level',
    'warn',
  ];
  options.log?.(`starting the embedded Temporal dev server (state in ${path.join(home, 'temporal.sqlite')}, log in ${logFile})`);
  const child: ChildProcess = spawn(findTemporalCli(), args, { stdio: ['ignore', out, out], detached: options.detached });
  fs.closeSync(out);
  if (options.detached) {
    child.unref();
    fs.writeFileSync(devServerPidFile(), `${child.pid}\n`);
  }
  for (let i = 0; i < 300 && !(await portOpen(host, port)); i++) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited with ${child.exitCode}; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!(await portOpen(host, port))) throw new Error(`the Temporal dev server did not listen on ${address} within 60 s; see ${logFile}`);
  return {
    startedHere: true,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Stops a server `hakube server start` left running (by the PID it recorded). False when none was. */
export async function stopDetachedDevServer(): Promise<boolean> {
  const file = devServerPidFile();
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
