// The shape of a phase (after k0sctl's phases: a title, which hosts, should it run, what it does),
// declared once as data and read by both `hakube plan` and the workflows. Each phase is one module
// in ./phases; an operation (install, later reset, upgrade, ...) is a list of phases.
// Pure data and types (bundled into the deterministic workflow code): no Node built-ins, no I/O.
import type { ClusterSpec } from '../inventory/spec';
import type { RenderedFileId } from '../contracts/remote-files';
import type { Undo } from '../contracts/compensation';
import type { HostStepName } from '../activities/types';
import type { OperationOptions } from '../contracts/activity-request';

/** How a phase spreads over its hosts: all at once, one after another, or in batches of the
 * operator's size (`--batch`, see batchesOf), each batch all at once. */
export type Fanout = 'parallel' | 'one-at-a-time' | 'batches';

/** Retry and timeout policy of a step (see activity-options.ts). */
export type StepPolicy = 'quick' | 'long' | 'gate' | 'once';

/** One activity on the host. */
export interface ActivityStep {
  kind: 'activity';
  activity: HostStepName;
  /** Short name shown in progress, `status` and the Web UI. */
  title: string;
  /** What it does, for the plan. */
  detail: string;
  policy: StepPolicy;
  /** The rendered files this step may write (the activity refuses any other). */
  writes?: RenderedFileId[];
  /** A gate: a check the cluster must pass before the phase goes on, retried until it converges. */
  gate?: boolean;
  /** The activity's result says whether a reboot is needed (`rebootNeeded`): then reboot after approval. */
  rebootWhenResultSays?: boolean;
  /** The activity's result may ask the operator first (`approvalNeeded`: what is to be approved): the
   * host waits in waiting-approval until `hakube approve` (or abort) before its next step. */
  approvalWhenResultSays?: boolean;
  /** Only for clusters this holds for (the plan leaves the step out too). */
  when?: (spec: ClusterSpec) => boolean;
  /** Set for a step added after the first release: runs only behind `patched(id)`, so runs recorded
   * before it replay unchanged. */
  patchId?: string;
}

/** An undo registered before the steps after it (a half-applied step needs undo too). */
export interface UndoStep {
  kind: 'undo';
  undo: Undo;
}

/** Asks the host whether it needs a reboot (Debian's /run/reboot-required); if so, reboots after approval. */
export interface RebootIfRequiredStep {
  kind: 'reboot-if-required';
  /** Set for a check added after the first release: runs only behind `patched(id)`. */
  patchId?: string;
}

export type HostStep = ActivityStep | UndoStep | RebootIfRequiredStep;

export interface PhaseDeclaration {
  id: string;
  title: string;
  /** Section of the article this phase automates. */
  articleStep?: number;
  /** The hosts it runs on, in order (k0sctl's "prepare"); some depend on the operator's choices (remove). */
  hosts: (spec: ClusterSpec, options?: OperationOptions) => string[];
  fanout: Fanout;
  /** Whether the phase runs for this cluster (k0sctl's "ShouldRun"). */
  shouldRun: (spec: ClusterSpec) => boolean;
  /** What it does on each host, in order. */
  steps: HostStep[];
  /** Once this phase is done a working cluster exists: an abort from then on undoes only the phase
   * in flight and leaves the cluster working, instead of undoing everything. */
  createsCluster?: boolean;
  /** Once this phase is done the operation cannot be taken back (a removed etcd member): an abort from
   * then on undoes only the phase in flight, as after createsCluster. */
  pointOfNoReturn?: boolean;
  /** A check that disturbs the cluster (the HA check stops an API server): after phases that changed
   * nothing it runs quiet (its step repeats the check only if it never passed for these hosts), unless
   * asked for by name (`--only`). A re-run that finds everything as wanted leaves a working cluster alone. */
  onlyAfterChange?: boolean;
  /** Set for a phase added after the first release: runs only behind `patched(id)`, so runs recorded
   * before it replay unchanged. */
  patchId?: string;
  /** The phases (of the same operation) this one needs finished before it starts; absent: the phase
   * before it in the operation's list. Phases whose needs are met run at the same time (the add-ons on
   * the first master beside the other masters' and the workers' joins). Two phases that may run at once
   * must not share a host: a host runs one step at a time (its step lock). See phaseNeeds. Runs replay
   * the order they were recorded with: changing a phase's needs later takes a new patch id, as a new
   * step does. */
  after?: string[];
  /** The `after` runs recorded before `patchId` ran with (needs changed after a release). */
  afterBefore?: { patchId: string; after: string[] };
  /** The fanout runs recorded before `patchId` ran with (changed after a release). */
  fanoutBefore?: { patchId: string; fanout: Fanout };
}

/**
 * What each phase of a run waits for: its declared `after` (else the phase before it in the operation),
 * with a phase this run leaves out (not for this inventory, not in `--only`) replaced by what that one
 * waits for, so that `--only verify-ha,preflight` still runs the HA check after preflight.
 */
export function phaseNeeds(
  operation: readonly PhaseDeclaration[],
  run: readonly PhaseDeclaration[],
  /** The workflow's `patched` (a run recorded before a patch keeps the needs it ran with); none: today's. */
  patched: (patchId: string) => boolean = () => true,
): Map<string, string[]> {
  const afterOf = (p: PhaseDeclaration) => (p.afterBefore && !patched(p.afterBefore.patchId) ? p.afterBefore.after : p.after);
  const declared = new Map(operation.map((p, i) => [p.id, afterOf(p) ?? (i ? [operation[i - 1]!.id] : [])]));
  const inRun = new Set(run.map((p) => p.id));
  const resolve = (id: string, seen: Set<string>): string[] => {
    if (seen.has(id)) return [];
    seen.add(id);
    return (declared.get(id) ?? []).flatMap((d) => (inRun.has(d) ? [d] : resolve(d, seen)));
  };
  return new Map(run.map((p) => [p.id, [...new Set(resolve(p.id, new Set()))]]));
}

export const activity = (
  activityName: HostStepName,
  title: string,
  policy: StepPolicy,
  detail: string,
  extra: Partial<Pick<ActivityStep, 'writes' | 'gate' | 'rebootWhenResultSays' | 'approvalWhenResultSays' | 'when' | 'patchId'>> = {},
): ActivityStep => ({ kind: 'activity', activity: activityName, title, detail, policy, ...extra });

export const undoWith = (undo: Undo): UndoStep => ({ kind: 'undo', undo });

export const rebootIfRequired = (patchId?: string): RebootIfRequiredStep => ({ kind: 'reboot-if-required', ...(patchId && { patchId }) });

/** Hosts cut into batches of `size`: "N" hosts, or "P%" of them rounded up (Kubespray's serial: "20%"); default 1. */
export function batchesOf(hosts: string[], size = '1'): string[][] {
  const percent = /^(\d+)%$/.exec(size);
  const n = percent ? Math.ceil((hosts.length * Number(percent[1])) / 100) : Number(size);
  const per = Math.max(1, Number.isInteger(n) ? n : 1);
  const batches: string[][] = [];
  for (let i = 0; i < hosts.length; i += per) batches.push(hosts.slice(i, i + per));
  return batches;
}

// Host selections the phases share.
export const allHosts = (s: ClusterSpec) => s.hosts.map((h) => h.name);
export const masters = (s: ClusterSpec) => s.masters;
export const workers = (s: ClusterSpec) => s.workers;
export const firstMaster = (s: ClusterSpec) => [s.firstMaster];
export const otherMasters = (s: ClusterSpec) => s.masters.filter((m) => m !== s.firstMaster);
export const always = () => true;

/** Everything about a phase the plan shows, derived from its steps. */
export const activitySteps = (p: PhaseDeclaration) => p.steps.filter((s): s is ActivityStep => s.kind === 'activity');
/** The activity steps that run for this cluster. */
export const activityStepsFor = (p: PhaseDeclaration, spec: ClusterSpec) => activitySteps(p).filter((s) => !s.when || s.when(spec));
export const filesOf = (p: PhaseDeclaration): RenderedFileId[] => [...new Set(activitySteps(p).flatMap((s) => s.writes ?? []))];
export const undosOf = (p: PhaseDeclaration): Undo[] => p.steps.flatMap((s) => (s.kind === 'undo' ? [s.undo] : []));
/**
 * The undo steps a phase declares before any other step: they hold from the host workflow's start, so
 * the run registers them itself when it starts the host workflow (an undo declared after a step, like
 * preflight's swap, is registered by the host workflow when it gets there).
 */
export const leadingUndoSteps = (p: PhaseDeclaration): UndoStep[] => {
  const firstOther = p.steps.findIndex((s) => s.kind !== 'undo');
  return (firstOther < 0 ? p.steps : p.steps.slice(0, firstOther)) as UndoStep[];
};
export const mayReboot = (p: PhaseDeclaration) =>
  p.steps.some((s) => s.kind === 'reboot-if-required' || (s.kind === 'activity' && s.rebootWhenResultSays));
export const gatesOf = (p: PhaseDeclaration) => activitySteps(p).filter((s) => s.gate);
