// What every host activity starts from: the host's connection, a shell that heartbeats its last
// output lines and dies with the activity's cancellation, and file writes from the render catalogue.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterSpec, HostSpec } from '../inventory/spec';
import { hostByName } from '../inventory/spec';
import type { HostRequest } from './types';
import type { SshPool } from './ssh/pool';
import { exec, run, type ExecOptions, type ExecResult } from './ssh/exec';
import { readFile, restoreFile, removeFile, writeFile, type WriteResult } from './ssh/files';
import { renderHostFile, type FileId, type JoinSecrets } from '../render/host-files';

/** Shapes of secrets kubeadm prints: masked in heartbeats and errors even when not known up front. */
const SECRET_PATTERNS: RegExp[] = [
  /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g, // bootstrap token
  /(--certificate-key\s+|certificateKey:\s*"?)[a-f0-9]{64}/g,
  /\b[a-f0-9]{64}\b(?=\s*$)/gm, // a certificate key alone on its line (kubeadm init phase upload-certs)
  /(client-key-data|client-certificate-data|token):\s*\S+/g,
];

export function maskSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((acc, re) => acc.replace(re, (m, prefix?: string) => (typeof prefix === 'string' && prefix && m.startsWith(prefix) ? `${prefix}***` : '***')), text);
}

export function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (tests, tools)
  }
}

export class HostSession {
  readonly host: HostSpec;
  private lastLines: string[] = [];

  constructor(
    readonly pool: SshPool,
    readonly spec: ClusterSpec,
    hostName: string,
    readonly backupTag: string,
  ) {
    this.host = hostByName(spec, hostName);
  }

  static of(pool: SshPool, req: HostRequest): HostSession {
    return new HostSession(pool, req.spec, req.host, req.backupTag);
  }

  /** Another host of the same cluster (e.g. the first master, for kubectl and join tokens). */
  other(name: string): HostSession {
    return new HostSession(this.pool, this.spec, name, this.backupTag);
  }

  get conn() {
    return this.host.ssh;
  }

  private options(extra: ExecOptions = {}): ExecOptions {
    const ctx = activityContext();
    return {
      signal: ctx?.cancellationSignal,
      ...extra,
      onOutput: (chunk, stream) => {
        extra.onOutput?.(chunk, stream);
        this.lastLines = [...this.lastLines, ...maskSecrets(chunk).split('\n').filter(Boolean)].slice(-5);
        ctx?.heartbeat({ host: this.host.name, lastLines: this.lastLines });
      },
    };
  }

  /** Runs a command; throws on a non-zero exit (with secrets masked). */
  async sh(command: string, extra: ExecOptions = {}): Promise<string> {
    activityContext()?.heartbeat({ host: this.host.name, command: maskSecrets(command) });
    try {
      return (await run(this.pool, this.conn, command, this.options(extra))).stdout;
    } catch (err) {
      throw new Error(maskSecrets(`${this.host.name}: ${(err as Error).message}`));
    }
  }

  /** Runs a command and returns its exit code and output, whatever the code. */
  async probe(command: string, extra: ExecOptions = {}): Promise<ExecResult> {
    return exec(this.pool, this.conn, command, this.options(extra));
  }

  async test(command: string): Promise<boolean> {
    return (await this.probe(command)).code === 0;
  }

  /** Renders a file of the catalogue for this host and writes it (backup kept, unchanged left alone). */
  async writeRendered(id: FileId, secrets?: JoinSecrets): Promise<WriteResult> {
    const file = renderHostFile(this.spec, this.host.name, id, secrets);
    return writeFile(this.pool, this.conn, file.path, file.content, { mode: file.mode, backupTag: this.backupTag }, this.options({ redact: secrets ? Object.values(secrets) : [] }));
  }

  async write(path: string, content: string, mode = 0o644): Promise<WriteResult> {
    return writeFile(this.pool, this.conn, path, content, { mode, backupTag: this.backupTag }, this.options());
  }

  read(path: string): Promise<string> {
    return readFile(this.pool, this.conn, path, this.options());
  }

  /** Removes a file, backed up first (restore() puts it back). */
  remove(path: string): Promise<boolean> {
    return removeFile(this.pool, this.conn, path, this.backupTag, this.options());
  }

  restore(path: string) {
    return restoreFile(this.pool, this.conn, path, this.backupTag, this.options());
  }

  /** A problem retrying cannot fix: the run pauses at once with this message. */
  refuse(message: string, type = 'HostNotSuitable'): never {
    throw ApplicationFailure.nonRetryable(`${this.host.name}: ${message}`, type);
  }
}

export const result = (changed: boolean, summary: string) => ({ changed, summary });
