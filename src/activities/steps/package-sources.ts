// The apt sources the install adds, with their keys (fingerprints checked against the pins).
import type { StepResult } from '../../contracts/activity-request';
import { HOST_PATHS } from '../../contracts/remote-files';
import { result, type HostSession } from '../host/session';
import { ensureRepoKey } from '../host/repo-keys';
import { refuseDowngrade } from './downgrade';

/** The Kubernetes repository (or the operator's mirror): key and source. True when either changed. */
export async function ensureKubernetesSource(s: HostSession): Promise<boolean> {
  const key = await ensureRepoKey(s, s.spec.packages.kubernetesRepoKey, HOST_PATHS['kubernetes-apt-key']);
  const source = await s.writeRendered('apt-kubernetes');
  return key || source.changed;
}

/** Docker's repository (packages.containerd: docker): key and source. True when either changed. */
export async function ensureDockerSource(s: HostSession): Promise<boolean> {
  const key = await ensureRepoKey(s, s.spec.packages.dockerRepoKey, HOST_PATHS['docker-apt-key']);
  const source = await s.writeRendered('apt-docker');
  return key || source.changed;
}

/**
 * Every source the install's packages come from, written before its first package install, so that one
 * `apt-get update` serves them all: a source added by a later phase made that phase fetch and index
 * every list again (seconds per host; the apt-updated mark in host/packages.ts skips it otherwise).
 */
async function addPackageSources(s: HostSession): Promise<StepResult> {
  // Before anything is written: a host refused for a newer Kubernetes keeps its apt source.
  await refuseDowngrade(s);
  const kubernetes = await ensureKubernetesSource(s);
  const docker = s.spec.packages.containerd === 'docker' && (await ensureDockerSource(s));
  return result(kubernetes || docker);
}

export const packageSourcesSteps = { addPackageSources };
