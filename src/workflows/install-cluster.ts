// The install: the phases of phases.ts in order, each fanned out over its hosts as child
// workflows (in parallel, or one at a time). Operators approve reboots, retry paused hosts and
// abort through this workflow; abort runs every registered compensation, newest first.
import {
  ApplicationFailure,
  CancellationScope,
  executeChild,
  type SignalDefinition,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ClusterSpec } from '../inventory/spec';
import type { Compensation } from '../activities/types';
import { enabledPhases, PHASES, type Phase, type PhaseId } from './phases';
import { ABORTED, hostPhase, type HostPhaseResult } from './host-phase';
import { undo } from './activity-options';
import { failureMessage } from './failure-message';
import {
  abortSignal,
  abortUpdate,
  approveRebootUpdate,
  approveSignal,
  hostReportSignal,
  progressQuery,
  registerCompensationSignal,
  retrySignal,
  retryUpdate,
  type HostSelection,
  type HostState,
  type Progress,
} from './messages';

export interface InstallInput {
  spec: ClusterSpec;
  /** For unattended runs (the demo, CI): reboots do not wait for `hakube approve`. */
  autoApproveReboots?: boolean;
  /** Run only these phases (e.g. re-run one phase, or prepare hosts without Kubernetes yet). */
  onlyPhases?: PhaseId[];
}

export interface InstallResult {
  cluster: string;
  /** Per phase and host: the steps that changed something ("unchanged" for a no-op re-run). */
  phases: { id: string; hosts: Record<string, HostPhaseResult> }[];
}

export const childWorkflowId = (parentId: string, phase: string, host: string) => `${parentId}/${phase}/${host}`;

export async function installCluster(input: InstallInput): Promise<InstallResult> {
  const { spec } = input;
  const self = workflowInfo().workflowId;
  // Backups of this run are kept apart from earlier runs' on each host.
  const backupTag = `${spec.name}-${workflowInfo().runId.slice(0, 8)}`;
  const enabled = new Set(enabledPhases(spec).map((p) => p.id).filter((id) => !input.onlyPhases || input.onlyPhases.includes(id)));
  const progress: Progress = {
    cluster: spec.name,
    status: 'running',
    compensationsRegistered: 0,
    compensationsRun: [],
    phases: PHASES.map((p) => ({
      id: p.id,
      title: p.title,
      state: enabled.has(p.id) ? 'pending' : 'skipped',
      hosts: Object.fromEntries((enabled.has(p.id) ? p.hosts(spec) : []).map((h) => [h, { state: 'pending' as HostState }])),
    })),
  };
  const compensations: Compensation[] = [];
  let aborting = false;

  const hostsIn = (state: HostState) =>
    progress.phases.flatMap((p) => Object.entries(p.hosts).filter(([, h]) => h.state === state).map(([host]) => ({ phase: p.id, host })));
  const refreshStatus = () => {
    if (aborting || progress.status === 'completed') return;
    progress.status = hostsIn('paused').length ? 'paused' : hostsIn('waiting-approval').length ? 'waiting-approval' : 'running';
  };
  const select = (sel: HostSelection, state: HostState, what: string) => {
    const candidates = hostsIn(state);
    if (sel.all) {
      if (!candidates.length) throw new Error(`no host is ${what}`);
      return candidates;
    }
    if (!sel.hosts?.length) throw new Error('name the hosts, or use --all');
    for (const h of sel.hosts)
      if (!candidates.some((c) => c.host === h)) {
        const known = spec.hosts.some((x) => x.name === h);
        throw new Error(known ? `${h} is not ${what}` : `${h} is not a host of cluster ${spec.name}`);
      }
    return candidates.filter((c) => sel.hosts!.includes(c.host));
  };
  const forward = async (targets: { phase: string; host: string }[], signal: SignalDefinition) => {
    await Promise.all(targets.map((t) => getExternalWorkflowHandle(childWorkflowId(self, t.phase, t.host)).signal(signal)));
    return targets.map((t) => t.host);
  };

  setHandler(progressQuery, () => progress);
  setHandler(hostReportSignal, ({ phase, host, progress: hp }) => {
    const p = progress.phases.find((x) => x.id === phase);
    if (p) p.hosts[host] = hp;
    refreshStatus();
  });
  setHandler(registerCompensationSignal, (c) => {
    compensations.push(c);
    progress.compensationsRegistered = compensations.length;
  });
  setHandler(approveRebootUpdate, (sel) => forward(select(sel, 'waiting-approval', 'waiting for a reboot approval'), approveSignal), {
    validator: (sel) => void select(sel, 'waiting-approval', 'waiting for a reboot approval'),
  });
  setHandler(retryUpdate, (sel) => forward(select(sel, 'paused', 'paused after a failure'), retrySignal), {
    validator: (sel) => void select(sel, 'paused', 'paused after a failure'),
  });
  setHandler(
    abortUpdate,
    async (_request) => {
      aborting = true;
      progress.status = 'aborting';
      const live = [...hostsIn('running'), ...hostsIn('paused'), ...hostsIn('waiting-approval')];
      await forward(live, abortSignal);
      return `aborting: ${live.length} host workflow(s) told to stop, then ${compensations.length} compensation(s) run newest first`;
    },
    {
      validator: (_request) => {
        if (aborting) throw new Error('the install is already aborting');
        if (progress.status === 'completed') throw new Error('the install has completed: nothing to abort (use hakube reset to remove the cluster)');
      },
    },
  );

  const runOnHost = (phase: Phase, host: string) =>
    executeChild(hostPhase, {
      workflowId: childWorkflowId(self, phase.id, host),
      args: [{ spec, phase: phase.id, host, backupTag, autoApproveReboots: !!input.autoApproveReboots }],
    });

  const result: InstallResult = { cluster: spec.name, phases: [] };
  let failure: unknown;
  for (const phase of PHASES) {
    if (!enabled.has(phase.id)) continue;
    if (aborting) break;
    const p = progress.phases.find((x) => x.id === phase.id)!;
    p.state = 'running';
    const hosts = phase.hosts(spec);
    const outcomes: PromiseSettledResult<HostPhaseResult>[] = [];
    if (phase.fanout === 'parallel') outcomes.push(...(await Promise.allSettled(hosts.map((h) => runOnHost(phase, h)))));
    else
      for (const h of hosts) {
        const [outcome] = await Promise.allSettled([runOnHost(phase, h)]);
        outcomes.push(outcome);
        if (outcome.status === 'rejected') break;
      }
    const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (rejected) {
      p.state = 'failed';
      hosts.forEach((h, i) => {
        if (outcomes[i]?.status === 'rejected') p.hosts[h] = { ...p.hosts[h], state: 'failed' };
      });
      failure = rejected.reason;
      break;
    }
    p.state = 'done';
    result.phases.push({ id: phase.id, hosts: Object.fromEntries(hosts.map((h, i) => [h, (outcomes[i] as PromiseFulfilledResult<HostPhaseResult>).value])) });
  }

  if (aborting || failure) {
    // Undo everything registered, newest first; nothing here may be cancelled halfway.
    await CancellationScope.nonCancellable(async () => {
      for (const c of [...compensations].reverse()) {
        await undo.compensate({ spec, compensation: c });
        progress.compensationsRun.push(`${c.host}: ${c.description}`);
      }
    });
    progress.status = 'aborted';
    const why = aborting ? 'aborted by the operator' : `failed: ${failureMessage(failure)}`;
    throw ApplicationFailure.nonRetryable(`install of ${spec.name} ${why}; ${compensations.length} compensation(s) run`, ABORTED);
  }
  progress.status = 'completed';
  return result;
}
