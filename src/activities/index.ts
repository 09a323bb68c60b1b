// The activities, built from one factory that holds the SSH connection pool (one pool per worker).
import type { HakubeActivities, HostRequest } from './types';
import { HostSession } from './host-session';
import type { SshPool } from './ssh/pool';
import { disableSwap, preflight } from './steps/preflight';
import { applyKernelSettings, configureContainerd, installContainerd } from './steps/runtime';
import { installKubernetesPackages, rebootRequired } from './steps/packages';
import { checkKernel, installBackportsKernel, rebootHost } from './steps/reboot';
import { etcdHealthy, startEtcd } from './steps/etcd';
import { apiServerReady, joinNode, kubeadmInit, nodeReady } from './steps/kubeadm';
import { applyCni, applyDashboard, applyIngress } from './steps/addons';
import { installHaproxy, switchKubeletToLocalProxy, verifyHa } from './steps/haproxy';
import { compensate } from './steps/compensate';

export function createActivities({ pool }: { pool: SshPool }): HakubeActivities {
  const on =
    <T>(step: (s: HostSession) => Promise<T>) =>
    (req: HostRequest) =>
      step(HostSession.of(pool, req));
  return {
    preflight: on(preflight),
    disableSwap: on(disableSwap),
    installBackportsKernel: on(installBackportsKernel),
    checkKernel: on(checkKernel),
    applyKernelSettings: on(applyKernelSettings),
    installContainerd: on(installContainerd),
    configureContainerd: on(configureContainerd),
    installKubernetesPackages: on(installKubernetesPackages),
    rebootRequired: on(rebootRequired),
    rebootHost: on((s) => rebootHost(s)),
    startEtcd: on(startEtcd),
    etcdHealthy: on(etcdHealthy),
    kubeadmInit: on(kubeadmInit),
    apiServerReady: on(apiServerReady),
    applyCni: on(applyCni),
    joinNode: on(joinNode),
    nodeReady: on(nodeReady),
    installHaproxy: on(installHaproxy),
    switchKubeletToLocalProxy: on(switchKubeletToLocalProxy),
    verifyHa: on((s) => verifyHa(s)),
    applyIngress: on(applyIngress),
    applyDashboard: on(applyDashboard),
    compensate: ({ spec, compensation }) =>
      compensate(HostSession.of(pool, { spec, host: compensation.host, backupTag: compensation.backupTag }), compensation),
  };
}
