// What every host activity starts from: the host's connection, a shell that heartbeats its last
// output lines and dies with the activity's cancellation, and file writes from the catalogue.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterSpec, HostSpec } from '../../inventory/spec';
import { hostByName } from '../../inventory/spec';
import type { HostRequest } from '../../contracts/activity-request';
import { remotePath, type FileId, type RenderedFileId } from '../../contracts/remote-files';
import type { SshPool } from '../ssh/pool';
import { exec, redactor, run, type ExecOptions, type ExecResult } from '../ssh/exec';
import { backupFile, readFile, restoreFile, removeFile, writeFile, type WriteResult } from '../ssh/files';
import { downloadFile, uploadFile } from '../ssh/transfer';
import { renderHostFile, type JoinSecrets, type RunTimeValues } from '../../render/host-files';
import { maskSecrets } from './mask';

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
    /** The rendered files this step declared it writes (undefined: any, for tools and tests). */
    private readonly writes?: readonly RenderedFileId[],
    /** The step attempt holding this host's step lock: every command here runs only while it does. */
    private readonly lockOwner?: string,
    /** The host whose step lock lockOwner holds (this host, or the first master for cluster-side steps). */
    private readonly lockedHost: string = hostName,
  ) {
    this.host = hostByName(spec, hostName);
  }

  static of(pool: SshPool, req: HostRequest, lockOwner?: string, lockedHost?: string): HostSession {
    return new HostSession(pool, req.spec, req.host, req.backupTag, req.writes, lockOwner, lockedHost);
  }

  /** This session with the cluster as it will be (e.g. after `hakube remove`): files are rendered from it. */
  withSpec(spec: ClusterSpec): HostSession {
    return new HostSession(this.pool, spec, this.host.name, this.backupTag, this.writes, this.lockOwner, this.lockedHost);
  }

  /** Another host of the same cluster (e.g. the first master, for kubectl and join tokens). */
  other(name: string): HostSession {
    // The host whose lock this step holds runs its commands under it (fenced like its own).
    const owner = name === this.lockedHost ? this.lockOwner : undefined;
    return new HostSession(this.pool, this.spec, name, this.backupTag, [], owner, this.lockedHost);
  }

  get conn() {
    return this.host.ssh;
  }

  /** What the step is doing, for its heartbeats (sent on a timer by the step runner). */
  get heartbeatDetails(): { host: string; command?: string; lastLines: string[] } {
    return { host: this.host.name, command: this.lastCommand, lastLines: this.lastLines };
  }
  private lastCommand?: string;

  /** The raw tail of the output, masked as a whole for the heartbeat (never chunk by chunk). */
  private outputTail = '';

  /**
   * Exec options for a command: cancelled with the activity, run under the step lock, and (unless
   * `streamed` is false, as for file reads that may hold credentials) its output's last lines shown in
   * heartbeats, with secrets masked across chunk boundaries.
   */
  private options(extra: ExecOptions = {}, streamed = true): ExecOptions {
    const ctx = activityContext();
    const redact = redactor(extra.redact);
    return {
      signal: ctx?.cancellationSignal,
      lockOwner: this.lockOwner,
      ...extra,
      onOutput: (chunk, stream) => {
        extra.onOutput?.(chunk, stream);
        if (!streamed) return;
        this.outputTail = (this.outputTail + chunk).slice(-4096);
        // The first line of a cut tail may start inside a secret: never shown.
        const lines = maskSecrets(redact(this.outputTail)).split('\n');
        if (this.outputTail.length === 4096) lines.shift();
        this.lastLines = lines.filter(Boolean).slice(-5);
      },
    };
  }

  /** Runs a command; throws on a non-zero exit (with secrets masked). */
  async sh(command: string, extra: ExecOptions = {}): Promise<string> {
    this.lastCommand = maskSecrets(command);
    try {
      return (await run(this.pool, this.conn, command, this.options(extra))).stdout;
    } catch (err) {
      // eslint-disable-next-line preserve-caught-error -- the cause would carry the unmasked output
      throw new Error(maskSecrets(`${this.host.name}: ${(err as Error).message}`));
    }
  }

  /** Runs a command and returns its exit code and output, whatever the code. */
  async probe(command: string, extra: ExecOptions = {}): Promise<ExecResult> {
    return exec(this.pool, this.conn, command, this.options(extra));
  }

  async test(command: string, extra: ExecOptions = {}): Promise<boolean> {
    return (await this.probe(command, extra)).code === 0;
  }

  /** A line for the operator in the step's heartbeat (what the step decided, e.g. a reset). */
  log(line: string): void {
    this.lastLines = [...this.lastLines, maskSecrets(line)].slice(-5);
  }

  /**
   * Renders a file of the catalogue for this host and writes it (backup kept, unchanged left alone).
   * A file the step's phase does not declare is refused: what `hakube plan` lists is what is written.
   */
  async writeRendered(id: RenderedFileId, secrets?: JoinSecrets, runTime?: RunTimeValues): Promise<WriteResult> {
    if (this.writes && !this.writes.includes(id))
      throw ApplicationFailure.nonRetryable(
        `${this.host.name}: this step writes ${id}, which its phase does not declare (a bug in hakube)`,
        'UndeclaredFile',
      );
    const file = renderHostFile(this.spec, this.host.name, id, secrets, runTime);
    return writeFile(
      this.pool,
      this.conn,
      file.path,
      file.content,
      { mode: file.mode, backupTag: this.backupTag },
      this.options({ redact: secrets ? Object.values(secrets) : [] }),
    );
  }

  /** Writes a catalogued file with content made by the step (e.g. an edited fstab). */
  async write(id: FileId, content: string, mode = 0o644): Promise<WriteResult> {
    return writeFile(this.pool, this.conn, remotePath(id), content, { mode, backupTag: this.backupTag }, this.options());
  }

  /** Reads a file; its content never reaches heartbeats (kubeconfigs hold credentials). */
  read(id: FileId): Promise<string> {
    return readFile(this.pool, this.conn, remotePath(id), this.options({}, false));
  }

  exists(id: FileId): Promise<boolean> {
    return this.test(`test -f ${remotePath(id)}`);
  }

  /** Removes a file, backed up first (restore() puts it back). */
  remove(id: FileId): Promise<boolean> {
    return removeFile(this.pool, this.conn, remotePath(id), this.backupTag, this.options());
  }

  /** Keeps a copy of a file in this run's backups before a tool (kubeadm) replaces it. */
  backup(id: FileId): Promise<void> {
    return backupFile(this.pool, this.conn, remotePath(id), this.backupTag, this.options());
  }

  /** Copies a host's file to the worker's machine (a file the SSH user can read: see ssh/transfer.ts). */
  download(remote: string, local: string): Promise<void> {
    return downloadFile(this.pool, this.conn, remote, local);
  }

  /** Copies a file of the worker's machine to the host, 0600, owned by the SSH user. */
  upload(local: string, remote: string): Promise<void> {
    return uploadFile(this.pool, this.conn, local, remote);
  }

  /** Puts a file back from this run's backup (by path: compensations carry resolved paths). */
  restore(path: string) {
    return restoreFile(this.pool, this.conn, path, this.backupTag, this.options());
  }

  /** A problem retrying cannot fix: the run pauses at once with this message. */
  refuse(message: string, type = 'HostNotSuitable'): never {
    throw ApplicationFailure.nonRetryable(`${this.host.name}: ${message}`, type);
  }
}

export const result = (changed: boolean, warnings: string[] = []) => (warnings.length ? { changed, warnings } : { changed });
