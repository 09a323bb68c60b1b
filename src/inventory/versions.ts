// Kubernetes minors hakube knows how to install. kubeadm.k8s.io/v1beta4 (the only config
// API hakube writes) exists since 1.31; v1beta3 is removed upstream. 1.35+ refuse cgroup v1
// by default and 1.36+ need containerd 2.2+, which preflight checks.
export const SUPPORTED_KUBERNETES_MINORS = ['1.35', '1.36', '1.37'];
export const DEFAULT_KUBERNETES_VERSION = '1.37';
/**
 * The oldest external etcd kubeadm accepts (its ExternalEtcdVersion preflight check refuses older ones):
 * MinExternalEtcdVersion in kubeadm's constants.go, 3.5.24 in v1.36.3 and v1.37.2 alike. Debian 12's
 * etcd-server is 3.4.23. Unknown (not checked) for 1.35.
 */
export function minimumExternalEtcd(minor: string): string | undefined {
  return Number(minor.split('.')[1]) >= 36 ? '3.5.24' : undefined;
}
/** Minimum containerd for a minor; Debian 12/13 ship 1.6/1.7, below this for 1.36+. */
export function minimumContainerd(minor: string): string {
  return Number(minor.split('.')[1]) >= 36 ? '2.2' : '1.7';
}
