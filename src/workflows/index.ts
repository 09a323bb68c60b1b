// The workflow bundle's entry: every workflow type the worker registers.
export { installCluster } from './install-cluster';
export { resetCluster } from './reset-cluster';
export { hostPhase } from './engine/host-phase';
export { removeNodes } from './remove-nodes';
export { backupEtcd } from './backup-etcd';
export { restoreEtcd } from './restore-etcd';
export { renewCertificates } from './renew-certificates';
export { upgradeCluster } from './upgrade-cluster';
