// Which Kubernetes version a cluster runs or is upgraded to, and what follows from it: the apt pin of
// kubelet/kubeadm/kubectl, the per-minor pkgs.k8s.io repository, the skew rules `hakube upgrade` checks.
import type { ClusterSpec } from './spec';
import { kubernetesRepo } from './signing-keys';
import { SUPPORTED_KUBERNETES_MINORS, minimumContainerd } from './versions';

/** "1.37.1" / "v1.37.1" / "1.37.1-1.1" → [1, 37, 1]; a minor alone ("1.37") → [1, 37, undefined]. */
export function versionParts(version: string): [number, number, number | undefined] {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!m) throw new Error(`${JSON.stringify(version)} is not a Kubernetes version such as 1.37.1`);
  return [Number(m[1]), Number(m[2]), m[3] === undefined ? undefined : Number(m[3])];
}

/** -1, 0, 1 comparing two exact versions (patch missing counts as 0). */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < 3; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return 0;
}

/**
 * The apt version pattern kubelet/kubeadm/kubectl are installed at: the exact Debian version when the
 * inventory pins one, else the inventory's version as the Kubernetes docs write it ("1.37.1-*"), or any
 * patch of its minor ("1.37.*"). apt matches the pattern against the repository's versions, so a mirror
 * carrying several versions (or pkgs.k8s.io's patches) installs the one asked for, not the newest.
 */
export function kubernetesPackagePin(spec: Pick<ClusterSpec, 'kubernetes' | 'packages'>): string {
  if (spec.packages.kubernetesPackageVersion) return spec.packages.kubernetesPackageVersion;
  const [, , patch] = versionParts(spec.kubernetes.version);
  return patch === undefined ? `${spec.kubernetes.minor}.*` : `${spec.kubernetes.version}-*`;
}

/** Whether an installed Debian version ("1.37.1-1.1") is one the pin asks for. */
export function packageMatchesPin(installed: string, pin: string): boolean {
  const pattern = new RegExp(`^${pin.replace(/[.+]/g, (c) => `\\${c}`).replace(/\*/g, '.*')}$`);
  return pattern.test(installed);
}

/** `--to VERSION` checked: exact (1.37.1, v1.37.1) and of a minor hakube supports. */
export function upgradeTarget(version: string) {
  if (!/^v?\d+\.\d+\.\d+$/.test(version.trim())) throw new Error(`--to ${version}: give the exact version to upgrade to, e.g. 1.37.1`);
  const [major, minorNumber, patch] = versionParts(version);
  const minor = `${major}.${minorNumber}`;
  if (!SUPPORTED_KUBERNETES_MINORS.includes(minor))
    throw new Error(`--to ${version}: hakube installs and upgrades Kubernetes ${SUPPORTED_KUBERNETES_MINORS.join(', ')}`);
  return { major, minorNumber, patch: patch!, minor };
}

/**
 * The cluster as it is after `hakube upgrade --to VERSION`: the version, and what the inventory left to
 * hakube's defaults follows it (pkgs.k8s.io's repository and key are per minor, containerd's minimum).
 * A repository the inventory names (a mirror) stays: it must carry the new version. An exact package
 * version pinned in the inventory is dropped: it names the old version.
 */
export function specAtVersion(spec: ClusterSpec, version: string): ClusterSpec {
  const { major, minorNumber, patch, minor } = upgradeTarget(version);
  const oldDefault = kubernetesRepo(spec.kubernetes.minor);
  const newDefault = kubernetesRepo(minor);
  const { packages } = spec;
  return {
    ...spec,
    kubernetes: { version: `${major}.${minorNumber}.${patch}`, minor },
    packages: {
      ...packages,
      kubernetesRepo: packages.kubernetesRepo === oldDefault.repo ? newDefault.repo : packages.kubernetesRepo,
      kubernetesRepoKey:
        packages.kubernetesRepoKey.url === oldDefault.key
          ? { ...packages.kubernetesRepoKey, url: newDefault.key }
          : packages.kubernetesRepoKey,
      kubernetesPackageVersion: undefined,
      minimumContainerd: minimumContainerd(minor),
    },
  };
}

/**
 * What the version-skew policy and kubeadm allow from the version a cluster runs to the target, or
 * why not (kubeadm's upgrade apply refuses the same; said here before any host is touched).
 */
export function upgradeRefusal(running: string, target: string): string | undefined {
  const [, runMinor] = versionParts(running);
  const [, toMinor] = versionParts(target);
  if (compareVersions(target, running) < 0)
    return `the cluster runs ${running}, newer than ${target}: kubeadm does not downgrade (restore a snapshot taken before the upgrade instead)`;
  if (toMinor > runMinor + 1)
    return `the cluster runs ${running}: Kubernetes is upgraded one minor at a time, so upgrade to 1.${runMinor + 1} first, then to ${target}`;
  return undefined;
}
