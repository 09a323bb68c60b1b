// `hakube upgrade --to VERSION` (phases/upgrade.ts): the target is the run's spec.kubernetes.version
// (exact, e.g. 1.37.1; the CLI made the spec with specAtVersion). Every step reads what the node runs
// first and does nothing when it is already at the target: a resumed or repeated run never upgrades a
// node twice, and a node finished by an earlier run is neither drained nor restarted again.
import type { HostRequest, StepResult } from '../../contracts/activity-request';
import { API_SERVER_PORT, HOST_PATHS } from '../../contracts/remote-files';
import { compareVersions, kubernetesPackagePin, packageMatchesPin, upgradeRefusal, versionParts } from '../../inventory/kubernetes-version';
import { result, type HostSession } from '../host/session';
import { ensurePackagesAt, installedVersion } from '../host/packages';
import { ensureRepoKey } from '../host/repo-keys';
import { writeOwingApply } from '../host/owed-apply';
import { versionAtLeast } from '../host/versions';
import { shq } from '../ssh/shell';
import { kubectl } from './kubectl';
import { cordonAndDrain, nodeState, uncordonIfCordonedBy } from './remove';
import { etcdSteps } from './etcd';

/** The target as Kubernetes writes it in versions it reports ("v1.37.1"). */
const targetOf = (s: HostSession) => `v${s.spec.kubernetes.version}`;

/** What kubelet/kubeadm/kubectl are installed at: the target's pin ("1.37.1-*"). */
const pinOf = (s: HostSession) => kubernetesPackagePin(s.spec);
const atTarget = (s: HostSession) => (installed: string) => packageMatchesPin(installed, pinOf(s));

interface NodeJson {
  metadata: { name: string };
  status?: { nodeInfo?: { kubeletVersion?: string; containerRuntimeVersion?: string }; conditions?: { type: string; status: string }[] };
}

/** The version of the kube-apiserver image this master's static pod manifest names (what the kubelet runs). */
async function apiServerManifestVersion(s: HostSession): Promise<string | undefined> {
  const out = await s.probe(`grep -oE 'kube-apiserver:v[0-9]+\\.[0-9]+\\.[0-9]+' ${HOST_PATHS['apiserver-manifest']}`);
  return /kube-apiserver:(v[\d.]+)/.exec(out.stdout)?.[1];
}

/** The versions the kube-apiserver mirror pods run (their image tags), one per master. */
async function apiServerVersions(s: HostSession): Promise<string[]> {
  const pods = JSON.parse(await kubectl(s, '-n kube-system get pods -o json', 60_000)) as {
    items: { metadata: { name: string }; spec?: { containers?: { image?: string }[] } }[];
  };
  return pods.items
    .filter((p) => p.metadata.name.startsWith('kube-apiserver-'))
    .map((p) => /:(v\d+\.\d+\.\d+)/.exec(p.spec?.containers?.[0]?.image ?? '')?.[1])
    .filter((v): v is string => !!v);
}

/** The cluster's version as kubeadm recorded it (kubeadm-config's ClusterConfiguration). */
async function clusterVersion(s: HostSession): Promise<string> {
  const config = await kubectl(s, `-n kube-system get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}'`, 60_000);
  const version = /^kubernetesVersion:\s*"?([^"\s]+)"?\s*$/m.exec(config)?.[1];
  if (!version) throw new Error('kube-system/kubeadm-config has no kubernetesVersion: was this cluster installed by kubeadm?');
  return version;
}

/** Waits until this master's API server answers /version with the target (the kubelet restarted its pod). */
async function waitForApiServerVersion(s: HostSession, want: string, seconds = 180): Promise<void> {
  const api = `https://${s.host.address}:${API_SERVER_PORT}/version`;
  await s.sh(
    `for i in $(seq ${seconds}); do curl -sk -m 2 ${api} | grep -q '"gitVersion": *"${want}[-"+]' && exit 0; sleep 1; done; ` +
      `echo "the API server on ${s.host.address} does not answer ${want} after ${seconds} s:" >&2; curl -sk -m 2 ${api} >&2; exit 1`,
    { timeoutMs: (seconds + 30) * 1000 },
  );
}

/**
 * The skew rules, before any host is touched: one minor at a time, never down, every kubelet within
 * what the target's API server accepts (3 minors older at most, never newer); every Node Ready; etcd
 * healthy (the snapshot after this needs it, and an upgrade must not start on a failing cluster).
 */
async function checkUpgrade(s: HostSession): Promise<StepResult> {
  const target = targetOf(s);
  const running = await clusterVersion(s);
  // Every API server counts (masters can differ after an aborted upgrade): the oldest must be within a minor.
  const apiServers = await apiServerVersions(s);
  const oldest = [running, ...apiServers].sort(compareVersions)[0];
  const refusal = upgradeRefusal(oldest, target);
  if (refusal) s.refuse(`${refusal}. Nothing was changed.`, 'UpgradeRefused');
  const list = JSON.parse(await kubectl(s, 'get nodes -o json', 60_000)) as { items: NodeJson[] };
  const nodes = list.items.map((n) => ({
    node: n.metadata.name,
    kubelet: n.status?.nodeInfo?.kubeletVersion ?? '',
    ready: n.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'unknown',
    runtime: n.status?.nodeInfo?.containerRuntimeVersion ?? '',
  }));
  const [, toMinor] = versionParts(target);
  const problems = nodes.flatMap(({ node, kubelet, ready }) => {
    if (!/^v\d+\.\d+\.\d+/.test(kubelet)) return [`Node ${node} reports no kubelet version (${kubelet || 'none'})`];
    const [, minor] = versionParts(kubelet);
    return [
      ready !== 'True' ? `Node ${node} is not Ready (Ready=${ready}): repair it or \`hakube remove\` it first` : '',
      minor < toMinor - 3 ? `the kubelet of ${node} is ${kubelet}: more than 3 minors older than ${target} (upgrade in steps)` : '',
      compareVersions(kubelet, target) > 0 ? `the kubelet of ${node} is ${kubelet}, newer than ${target}` : '',
    ].filter(Boolean);
  });
  if (problems.length) s.refuse(`the upgrade to ${target} cannot start: ${problems.join('; ')}. Nothing was changed.`, 'UpgradeRefused');
  await etcdSteps.etcdHealthy(s);
  const done = running === target && nodes.every((n) => n.kubelet === target);
  // The runtime the target needs (containerd 2.2+ for 1.36+): warned, as the install's preflight does.
  const runtimes = nodes.filter(
    ({ runtime }) =>
      /^containerd:\/\/\d/.test(runtime) && !versionAtLeast(runtime.slice('containerd://'.length), s.spec.packages.minimumContainerd),
  );
  const warnings = [
    done ? `the cluster already runs ${target} on every node: nothing to upgrade` : '',
    runtimes.length
      ? `Kubernetes ${s.spec.kubernetes.minor} needs containerd ${s.spec.packages.minimumContainerd}+: ${runtimes.map((r) => `${r.node} runs ${r.runtime}`).join(', ')} (packages.containerd: docker installs it)`
      : '',
  ].filter(Boolean);
  return result(false, warnings);
}

/** Cordoned (marked as this run's) and drained, unless the node already runs the target. */
async function drainForUpgrade(s: HostSession, req: HostRequest): Promise<StepResult> {
  const state = await nodeState(s, s.host.name);
  if (!state) s.refuse(`there is no Node ${s.host.name} in the cluster: join it with \`hakube up\` before upgrading it`, 'NodeMissing');
  if (state.kubeletVersion === targetOf(s)) {
    s.log(`${s.host.name} already runs ${targetOf(s)}: not drained`);
    return result(false);
  }
  return result(await cordonAndDrain(s, state, req));
}

/** The apt source for the target's minor (and its key), then kubeadm at the target, held. */
async function upgradeKubeadm(s: HostSession): Promise<StepResult> {
  const { packages } = s.spec;
  const key = await ensureRepoKey(s, packages.kubernetesRepoKey, HOST_PATHS['kubernetes-apt-key']);
  const source = await writeOwingApply(s, 'apt-update', async () => [await s.writeRendered('apt-kubernetes')]);
  const installed = await ensurePackagesAt(s, ['kubeadm'], pinOf(s), atTarget(s));
  // An install updated apt's lists after the source was written; a source that changed alone is updated here.
  if (source.mustApply && !installed) await s.sh('apt-get update -q', { timeoutMs: 10 * 60_000 });
  await source.settled();
  const version = (await s.sh('kubeadm version -o short')).trim();
  if (version !== targetOf(s)) throw new Error(`kubeadm reports ${version} after installing ${pinOf(s)}, not ${targetOf(s)}`);
  return result(key || source.changed || installed);
}

/** The first master: `kubeadm upgrade apply` (control plane, kubeadm-config, kubelet-config, add-ons). */
async function kubeadmUpgradeApply(s: HostSession): Promise<StepResult> {
  const target = targetOf(s);
  const done = (await apiServerManifestVersion(s)) === target && (await clusterVersion(s)) === target;
  // kubeadm's phases after the manifests (kubelet config, add-ons) are still owed when an attempt died
  // inside it: the marker, down before kubeadm runs, makes the retry run it again (kubeadm re-runs safely).
  const kubeadm = await writeOwingApply(s, 'kubeadm-upgrade', async () => [{ changed: !done }]);
  if (!kubeadm.mustApply) {
    s.log(`the control plane of ${s.host.name} already runs ${target}`);
    return result(false);
  }
  // etcd is hakube's (external): kubeadm never touches it, said explicitly as Kubespray does.
  await s.sh(`kubeadm upgrade apply ${shq(target)} --yes --etcd-upgrade=false`, { timeoutMs: 15 * 60_000 });
  await waitForApiServerVersion(s, target);
  await kubeadm.settled();
  return result(true);
}

/** `kubeadm upgrade node`: a master's static pods and kubelet config, or a worker's kubelet config. */
async function kubeadmUpgradeNode(s: HostSession): Promise<StepResult> {
  const target = targetOf(s);
  const isMaster = s.spec.masters.includes(s.host.name);
  const done = isMaster
    ? (await apiServerManifestVersion(s)) === target
    : // A worker's kubelet is upgraded after this step: at the target, this step ran before.
      atTarget(s)(await installedVersion(s, 'kubelet'));
  const kubeadm = await writeOwingApply(s, 'kubeadm-upgrade', async () => [{ changed: !done }]);
  if (!kubeadm.mustApply) {
    s.log(`${s.host.name}: kubeadm upgrade node already ran for ${target}`);
    return result(false);
  }
  await s.sh('kubeadm upgrade node', { timeoutMs: 15 * 60_000 });
  if (isMaster) await waitForApiServerVersion(s, target);
  await kubeadm.settled();
  return result(true);
}

/** kubelet and kubectl at the target, held; the kubelet restarted on the new binary. */
async function upgradeKubelet(s: HostSession): Promise<StepResult> {
  // The restart is owed from the install on: a worker killed in between leaves the old kubelet running.
  const kubelet = await writeOwingApply(s, 'kubelet', async () => [
    { changed: await ensurePackagesAt(s, ['kubelet'], pinOf(s), atTarget(s)) },
  ]);
  if (kubelet.mustApply) await s.sh('systemctl daemon-reload && systemctl restart kubelet');
  await kubelet.settled();
  const kubectlInstalled = await ensurePackagesAt(s, ['kubectl'], pinOf(s), atTarget(s));
  return result(kubelet.mustApply || kubectlInstalled);
}

async function uncordonAfterUpgrade(s: HostSession): Promise<StepResult> {
  return result(await uncordonIfCordonedBy(s, s.backupTag));
}

/** Gate: the Node is Ready on the target kubelet (a master's API server answers the target too). */
async function nodeUpgraded(s: HostSession): Promise<StepResult> {
  const node = s.host.name;
  const { ready = 'unknown', kubeletVersion: kubelet = '' } = (await nodeState(s, node)) ?? {};
  if (ready !== 'True' || kubelet !== targetOf(s))
    throw new Error(`Node ${node}: Ready=${ready}, kubelet ${kubelet || 'unknown'} (waiting for Ready on ${targetOf(s)})`);
  if (s.spec.masters.includes(node)) await waitForApiServerVersion(s, targetOf(s), 5);
  return result(false);
}

/** With --approve-batches a worker not at the target waits for `hakube approve` (its whole batch does). */
async function workerUpgradeDue(s: HostSession, req: HostRequest): Promise<StepResult> {
  if (!req.options?.approveBatches) return result(false);
  const kubelet = (await nodeState(s, s.host.name))?.kubeletVersion ?? '';
  if (kubelet === targetOf(s)) return result(false);
  return {
    changed: false,
    approvalNeeded: `upgrade ${s.host.name} from ${kubelet} to ${targetOf(s)} (cordon, drain, kubeadm, kubelet restart)`,
  };
}

export const upgradeSteps = {
  checkUpgrade,
  drainForUpgrade,
  upgradeKubeadm,
  kubeadmUpgradeApply,
  kubeadmUpgradeNode,
  upgradeKubelet,
  uncordonAfterUpgrade,
  nodeUpgraded,
  workerUpgradeDue,
};
