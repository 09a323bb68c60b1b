// After the last add-on is applied: the pods of the system and of the add-ons hakube installed, each one
// running or said. A pod whose image cannot be pulled (an air-gapped mirror without it, a typo in an image
// repository setting) never makes an install fail (the objects are there; a mirror fixed later lets the
// kubelet pull it), but it is never hidden either: it becomes a warning of the step, which `hakube up`
// prints at its end and `hakube status` shows for as long as the run is the cluster's last.
import type { HostSession } from '../host/session';
import { kubectl } from './kubectl';

/** How long the pods get to start before what they are doing is reported (bounded: never fails the step). */
export const ADDON_PODS_WAIT_SECONDS = 120;
const POLL_SECONDS = 5;

/** The waiting reasons that mean the kubelet cannot get the image: retrying alone will not help. */
const PULL_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

interface ContainerStatus {
  name: string;
  image?: string;
  ready?: boolean;
  state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; exitCode?: number } };
}

export interface PodObject {
  metadata: { name: string; namespace: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

/** What one pod is doing, as the survey sees it. */
export type PodState =
  { kind: 'running' } | { kind: 'pull-failure'; image: string; reason: string; message: string } | { kind: 'waiting'; what: string };

export function podState(pod: PodObject): PodState {
  const status = pod.status ?? {};
  if (status.phase === 'Succeeded') return { kind: 'running' };
  const containers = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])];
  for (const c of containers) {
    const waiting = c.state?.waiting;
    if (waiting?.reason && PULL_FAILURES.has(waiting.reason))
      return { kind: 'pull-failure', image: c.image ?? c.name, reason: waiting.reason, message: (waiting.message ?? '').slice(0, 200) };
  }
  const main = status.containerStatuses ?? [];
  if (status.phase === 'Running' && main.length > 0 && main.every((c) => c.ready)) return { kind: 'running' };
  const unscheduled = status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  const waitingReason = containers.map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).find(Boolean);
  const what = unscheduled
    ? `${status.phase ?? 'Pending'}, not scheduled: ${unscheduled.message ?? unscheduled.reason ?? ''}`.slice(0, 200)
    : `${status.phase ?? 'Pending'}${waitingReason ? ` (${waitingReason})` : ''}`;
  return { kind: 'waiting', what };
}

/**
 * Whether the pods have come as far as they will on their own: every pod running, or unable to pull its
 * image, or waiting in a namespace where another pod cannot pull its image (ingress-nginx's controller
 * waits for the certificate its admission job makes: a job that cannot start makes it wait forever).
 */
export function settled(pods: PodObject[]): boolean {
  const states = pods.map((p) => ({ namespace: p.metadata.namespace, state: podState(p) }));
  const stuck = new Set(states.filter((s) => s.state.kind === 'pull-failure').map((s) => s.namespace));
  return states.every((s) => s.state.kind !== 'waiting' || stuck.has(s.namespace));
}

/** One warning per pod not running: the image it cannot pull, or what it waits for. */
export function podWarnings(pods: PodObject[], waitedSeconds: number): string[] {
  return pods.flatMap((p) => {
    const state = podState(p);
    const pod = `pod ${p.metadata.namespace}/${p.metadata.name}`;
    if (state.kind === 'pull-failure')
      return [
        `${pod}: its image ${state.image} cannot be pulled (${state.reason}${state.message ? `: ${state.message}` : ''}); its objects are installed, it starts once the image is in the registry`,
      ];
    if (state.kind === 'waiting') return [`${pod}: not running after ${waitedSeconds} s: ${state.what}`];
    return [];
  });
}

/** The namespaces whose pods hakube's install is answerable for: the system's and the add-ons'. */
export function addonNamespaces(spec: HostSession['spec']): string[] {
  const cni =
    spec.cni.plugin === 'flannel' ? ['kube-flannel'] : spec.cni.install === 'operator' ? ['tigera-operator', 'calico-system'] : [];
  return [
    ...new Set([
      'kube-system',
      ...cni,
      ...(spec.ingress.controller !== 'none' ? [spec.ingress.namespace] : []),
      ...(spec.dashboard.kind !== 'none' ? [spec.dashboard.namespace] : []),
    ]),
  ];
}

/**
 * Waits (at most ADDON_PODS_WAIT_SECONDS) until the pods of addonNamespaces have settled, then returns a
 * warning for each pod that is not running. Reading the pods is best effort: a failed read is a warning too.
 */
export async function addonPodWarnings(s: HostSession, waitSeconds = ADDON_PODS_WAIT_SECONDS): Promise<string[]> {
  const namespaces = new Set(addonNamespaces(s.spec));
  const started = Date.now();
  for (;;) {
    let pods: PodObject[];
    try {
      pods = (JSON.parse(await kubectl(s, 'get pods -A -o json', 60_000)) as { items: PodObject[] }).items.filter((p) =>
        namespaces.has(p.metadata.namespace),
      );
    } catch (err) {
      return [`the add-ons' pods could not be read: ${(err as Error).message.slice(0, 300)}`];
    }
    const waited = Math.round((Date.now() - started) / 1000);
    if (settled(pods) || waited + POLL_SECONDS > waitSeconds) return podWarnings(pods, waited);
    s.log(`waiting for ${pods.filter((p) => podState(p).kind === 'waiting').length} add-on pods to start (${waited} s)`);
    await new Promise((r) => setTimeout(r, POLL_SECONDS * 1000));
  }
}
