// The workflow bundle's entry: every workflow type the worker registers.
export { installCluster } from './install-cluster';
export { resetCluster } from './reset-cluster';
export { hostPhase } from './engine/host-phase';
export { removeNodes } from './remove-nodes';
