// `hakube remove`: the steps done for a leaving host through the cluster, from the first master (they
// hold its step lock, see index.ts): the removal checked against etcd's quorum, the Node cordoned and
// drained (marked, so an undo uncordons only what hakube cordoned), the etcd member removed, the Node
// deleted. The host itself is reset by the reset steps (reset.ts).
import type { HostRequest, StepResult } from '../../contracts/activity-request';
import { CORDONED_BY_ANNOTATION } from '../../contracts/compensation';
import { hostByName } from '../../inventory/spec';
import { result, type HostSession } from '../host/session';
import { parseEtcdMembers } from '../host/facts';
import { shq } from '../ssh/shell';
import { firstMaster, kubectl, KUBECTL } from './kubectl';
import { etcdctlFor } from './etcd';

/** Default for `--drain-timeout`: evictions a PodDisruptionBudget holds back are retried this long. */
export const DRAIN_TIMEOUT_SECONDS = 300;

export interface NodeState {
  unschedulable: boolean;
  cordonedBy?: string;
  /** What the Node reports: its kubelet's version ('' when none yet) and its Ready condition. */
  kubeletVersion: string;
  ready: string;
}

/** The Node of this name (undefined when there is none), read through the first master. */
export async function nodeState(s: HostSession, node: string): Promise<NodeState | undefined> {
  const out = await firstMaster(s).probe(`${KUBECTL} get node ${shq(node)} -o json`, { timeoutMs: 60_000 });
  if (out.code !== 0) {
    if (/\(NotFound\)/.test(out.stderr)) return undefined; // the API's answer, not "command not found"

    throw new Error(`kubectl get node ${node}: ${out.stderr.trim()}`);
  }
  const obj = JSON.parse(out.stdout) as {
    spec?: { unschedulable?: boolean };
    metadata?: { annotations?: Record<string, string> };
    status?: { nodeInfo?: { kubeletVersion?: string }; conditions?: { type: string; status: string }[] };
  };
  return {
    unschedulable: !!obj.spec?.unschedulable,
    cordonedBy: obj.metadata?.annotations?.[CORDONED_BY_ANNOTATION],
    kubeletVersion: obj.status?.nodeInfo?.kubeletVersion ?? '',
    ready: obj.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'unknown',
  };
}

/**
 * Refuses (before anything changes) a removal that would leave fewer than 3 etcd members or members
 * without a quorum, unless --force; the live member list counts, not the inventory.
 */
async function checkRemoval(s: HostSession, req: HostRequest): Promise<StepResult> {
  const removing = req.options?.removing ?? [];
  if (removing.includes(s.spec.firstMaster))
    s.refuse(`${s.spec.firstMaster} is the first master (it holds the etcd CA and runs hakube's kubectl steps): it cannot be removed`);
  const leaving = removing.filter((h) => s.spec.masters.includes(h));
  if (!leaving.length) return result(false);
  const ctl = etcdctlFor(s.spec);
  const members = parseEtcdMembers(
    await s.sh(`${ctl} --endpoints=${s.spec.etcd.endpoints.join(',')} member list -w simple`, { timeoutMs: 60_000 }),
  );
  const staying = members.filter((m) => !leaving.includes(m.name));
  let healthy = 0;
  for (const m of staying)
    if (m.clientUrls && (await s.test(`${ctl} --endpoints=${shq(m.clientUrls)} endpoint health`, { timeoutMs: 30_000 }))) healthy++;
  const problems = [
    staying.length < 3 ? `removing ${leaving.join(', ')} leaves ${staying.length} etcd member(s): fewer than 3 survive no failure` : '',
    healthy <= staying.length / 2
      ? `only ${healthy} of the ${staying.length} remaining etcd members are healthy: no quorum after the removal`
      : '',
  ].filter(Boolean);
  if (problems.length && !req.options?.force)
    s.refuse(
      `${problems.join('; ')}. Nothing was changed; add --force to remove anyway (the cluster then tolerates fewer failures, or none)`,
      'RemovalRefused',
    );
  return result(
    false,
    problems.map((p) => `--force: ${p}`),
  );
}

/** Cordons (marked with this run's tag) and drains the host's Node; evictions respect PodDisruptionBudgets. */
async function drainNode(s: HostSession, req: HostRequest): Promise<StepResult> {
  const node = s.host.name;
  const state = await nodeState(s, node);
  if (!state) {
    s.log(`no Node ${node}: nothing to drain`);
    return result(false);
  }
  if (req.options?.unreachable) {
    s.log(`${node} is unreachable (--unreachable): not drained; its pods go when its Node is deleted`);
    return result(false);
  }
  return result(await cordonAndDrain(s, state, req));
}

/**
 * Cordons the host's Node (marked with this run's tag first, so an undo after a cordon that died
 * halfway still finds it; a Node cordoned by someone else stays theirs) and drains it from the first
 * master; evictions respect PodDisruptionBudgets. True when anything was cordoned or evicted.
 */
export async function cordonAndDrain(s: HostSession, state: NodeState, req: HostRequest): Promise<boolean> {
  const node = s.host.name;
  const timeoutSeconds = Math.trunc(Number(req.options?.drainTimeoutSeconds ?? DRAIN_TIMEOUT_SECONDS)); // checked by request-check too
  let changed = false;
  if (!state.unschedulable) {
    await kubectl(s, `annotate node ${shq(node)} --overwrite ${CORDONED_BY_ANNOTATION}=${shq(s.backupTag)}`, 60_000);
    await kubectl(s, `cordon ${shq(node)}`, 60_000);
    changed = true;
  } else if (state.cordonedBy !== s.backupTag) s.log(`${node} was already cordoned (not by this run): an undo leaves it cordoned`);
  const out = await kubectl(
    s,
    `drain ${shq(node)} --ignore-daemonsets --delete-emptydir-data --timeout=${timeoutSeconds}s`,
    (timeoutSeconds + 120) * 1000,
  );
  return changed || /evicted|deleted/.test(out);
}

/** The undo of drainNode: uncordons the Node only if this run's mark is on it. */
export async function uncordonIfCordonedBy(s: HostSession, tag: string): Promise<boolean> {
  const state = await nodeState(s, s.host.name);
  if (!state || state.cordonedBy !== tag) return false;
  if (state.unschedulable) await kubectl(s, `uncordon ${shq(s.host.name)}`, 60_000);
  await kubectl(s, `annotate node ${shq(s.host.name)} ${CORDONED_BY_ANNOTATION}-`, 60_000);
  return true;
}

/** Removes a leaving master's etcd member, asking the members that stay. */
async function removeEtcdMember(s: HostSession, req: HostRequest): Promise<StepResult> {
  const ctl = etcdctlFor(s.spec);
  // Every leaving member is left out (one removed earlier in this run answers no more).
  const gone = [s.host.name, ...(req.options?.removing ?? [])].map((h) => hostByName(s.spec, h).address);
  const staying = s.spec.etcd.endpoints.filter((e) => !gone.some((a) => e.includes(`//${a}:`))).join(',');
  const fm = firstMaster(s);
  const member = parseEtcdMembers(await fm.sh(`${ctl} --endpoints=${staying} member list -w simple`, { timeoutMs: 60_000 })).find(
    (m) => m.name === s.host.name,
  );
  if (!member) {
    s.log(`${s.host.name} is not an etcd member (any more)`);
    return result(false);
  }
  await fm.sh(`${ctl} --endpoints=${staying} member remove ${shq(member.id)}`, { timeoutMs: 60_000 });
  return result(true);
}

/** Deletes the host's Node object (after its kubelet was stopped by the reset, so it does not come back). */
async function deleteNode(s: HostSession): Promise<StepResult> {
  const out = await kubectl(s, `delete node ${shq(s.host.name)} --ignore-not-found`, 120_000);
  return result(/deleted/.test(out));
}

export const removeSteps = { checkRemoval, drainNode, removeEtcdMember, deleteNode };
