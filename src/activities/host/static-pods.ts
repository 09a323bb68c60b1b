// Stopping and starting control-plane static pods the way kubeadm's documentation says ("temporarily
// remove its manifest file from /etc/kubernetes/manifests/"): the kubelet stops a pod whose manifest is
// gone and starts it again when the file is back. Shared by the HA check (the first master's API server
// down), restore (every API server down while etcd is restored) and certificate renewal (restarted to
// load the new certificates).
import { posix } from 'node:path';
import { API_SERVER_PORT, HOST_PATHS, type HostPathId } from '../../contracts/remote-files';
import type { HostSession } from './session';

export type StaticPodManifest = Extract<HostPathId, 'apiserver-manifest' | 'controller-manager-manifest' | 'scheduler-manifest'>;

export const API_SERVER_ONLY: readonly StaticPodManifest[] = ['apiserver-manifest'];
export const CONTROL_PLANE_PODS: readonly StaticPodManifest[] = ['apiserver-manifest', 'controller-manager-manifest', 'scheduler-manifest'];

/** The kubelet's fileCheckFrequency: how long it may take to notice a manifest came or went. */
const KUBELET_FILE_CHECK_SECONDS = 20;

const asidePath = (dir: string, id: StaticPodManifest) => posix.join(dir, posix.basename(HOST_PATHS[id]));

/** Between two probes: a quarter second (each is one curl on the master; once a second cost 1.5 s on average per wait). */
const PROBE_INTERVAL_SECONDS = 0.25;
/** Connections refused in a row, a second of them, before an API server counts as down (a slow answer is not "down"). */
const REFUSED_IN_A_ROW = 5;

/**
 * Waits until this master's API server is gone ('down': its port refuses connections, REFUSED_IN_A_ROW
 * times in a row, not merely slow — the HA check proves something only once it is really gone) or
 * answers /readyz ('ready'), for at most `seconds`.
 */
export async function waitForApiServer(s: HostSession, want: 'down' | 'ready', seconds: number): Promise<void> {
  const api = `https://${s.host.address}:${API_SERVER_PORT}`;
  // A deadline, not a count of probes: a probe that times out takes 2 s.
  const until = `end=$(($(date +%s) + ${seconds})); while [ "$(date +%s)" -lt "$end" ]; do`;
  const loop =
    want === 'down'
      ? // curl's exit 7: the connection was refused (nothing listens); a timeout (28) or an answer starts the count again.
        `n=0; ${until} curl -sk -m 2 ${api}/healthz >/dev/null; if [ $? = 7 ]; then n=$((n+1)); [ $n -ge ${REFUSED_IN_A_ROW} ] && exit 0; else n=0; fi; sleep ${PROBE_INTERVAL_SECONDS}; done; ` +
        `echo "the API server ${api} still answers (or does not refuse connections) ${seconds} s after its manifest was moved" >&2; exit 1`
      : `${until} curl -sk -m 2 ${api}/readyz >/dev/null && exit 0; sleep ${PROBE_INTERVAL_SECONDS}; done; echo "the API server ${api} did not come back within ${seconds} s" >&2; exit 1`;
  await s.sh(loop, { timeoutMs: (seconds + 30) * 1000 });
}

/**
 * Stops the pods: each manifest is copied into `asideDir` (outside the run's backups: the version from
 * just now, which an earlier phase of this run may have rewritten) and removed (backed up too, so the
 * phase's undo can put it back). A copy an earlier attempt left is kept when the manifest is gone.
 * Returns true when any manifest was there to move.
 */
export async function stopStaticPods(
  s: HostSession,
  asideDir: string,
  pods: readonly StaticPodManifest[],
  waitSeconds = 90,
): Promise<boolean> {
  const moved: StaticPodManifest[] = [];
  for (const id of pods) {
    const manifest = HOST_PATHS[id];
    await s.sh(`if [ -f ${manifest} ]; then mkdir -p ${asideDir} && cp -a ${manifest} ${asidePath(asideDir, id)}; fi`);
    if (await s.remove(id)) moved.push(id);
  }
  if (pods.includes('apiserver-manifest')) await waitForApiServer(s, 'down', waitSeconds);
  // No health endpoint tells when the kubelet stopped the others: its file check period.
  if (moved.some((id) => id !== 'apiserver-manifest')) await s.sh(`sleep ${KUBELET_FILE_CHECK_SECONDS}`);
  return moved.length > 0;
}

/**
 * Starts them again: each manifest put back from `asideDir`, or else from the run's backup, then waits
 * for /readyz (unless waitSeconds is 0: the caller starts the kubelet first). Returns true when any
 * manifest had to be put back.
 */
export async function startStaticPods(
  s: HostSession,
  asideDir: string,
  pods: readonly StaticPodManifest[],
  waitSeconds = 120,
): Promise<boolean> {
  let putBack = false;
  for (const id of pods) {
    const manifest = HOST_PATHS[id];
    const aside = asidePath(asideDir, id);
    if (await s.test(`test -f ${aside}`)) {
      await s.sh(`mv ${aside} ${manifest}`);
      putBack = true;
    } else if (!(await s.exists(id)) && (await s.restore(manifest)) === 'restored') putBack = true;
  }
  if (waitSeconds > 0 && pods.includes('apiserver-manifest')) await waitForApiServer(s, 'ready', waitSeconds);
  return putBack;
}
