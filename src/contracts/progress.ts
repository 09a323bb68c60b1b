// What an operation reports while it runs: read by `hakube up`/`status` through a query, sent by
// each host workflow to its parent. Plain data shared by workflows and the CLI.

export type HostState = 'pending' | 'running' | 'waiting-approval' | 'done' | 'failed' | 'paused' | 'skipped';

export interface HostProgress {
  state: HostState;
  /** The step running, waiting or failed. */
  step?: string;
  /** Why it paused (the last error, secrets never included). */
  error?: string;
  /** Steps that changed something / found the host as wanted. */
  changed?: string[];
  unchanged?: string[];
  /** What the steps found that the operator should know (e.g. containerd too old, cgroup v1). */
  warnings?: string[];
}

export interface PhaseProgress {
  id: string;
  title: string;
  state: 'pending' | 'running' | 'done' | 'skipped' | 'failed';
  hosts: Record<string, HostProgress>;
}

export type RunStatus = 'running' | 'paused' | 'waiting-approval' | 'completed' | 'aborting' | 'aborted' | 'aborted-with-errors';

export interface Progress {
  cluster: string;
  /** Which list of phases runs (install today; reset, upgrade, ... later). */
  operation?: string;
  status: RunStatus;
  phases: PhaseProgress[];
  compensationsRegistered: number;
  compensationsRun: string[];
  /** Undo steps that failed, each with the command that finishes it by hand. */
  compensationsFailed?: string[];
  /** The last operator Signals refused (a Signal has no answer: the reason is shown here). */
  refusedSignals?: string[];
}

/** Host workflow -> parent. */
export interface HostReport {
  phase: string;
  host: string;
  progress: HostProgress;
  /** The host workflow run that sent it, and its count of reports so far: a report that arrives after a
   * later one of the same run (step reports are not waited for) is dropped. Absent in older runs. */
  run?: string;
  seq?: number;
}

/** What one phase did on one host. */
export interface HostPhaseResult {
  changed: string[];
  unchanged: string[];
  warnings?: string[];
  /** The mark its "done" report would have carried: a host workflow that returns one sends no "done"
   * signal, the run takes the result as that report (operation-run.ts). Absent in older runs. */
  doneReport?: { run: string; seq: number };
}

export interface OperationResult {
  cluster: string;
  /** Per phase and host: the steps that changed something ("unchanged" for a no-op re-run). */
  phases: { id: string; hosts: Record<string, HostPhaseResult> }[];
  /** install: no step ran, every host and the cluster were as the last full install (this run, then) left them. */
  unchangedSince?: { run: string; at: string };
  /** install: why every step ran although a full install was recorded before, or why this run's record is missing. */
  stateRecord?: string;
}
