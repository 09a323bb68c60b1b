// The upgrade workflow (id hakube-<name>.upgrade): Kubernetes upgraded node by node (phases/upgrade.ts)
// after an etcd snapshot (phases/backup.ts), on the shared operation shell.
import type { OperationResult } from '../contracts/progress';
import type { OperationInput } from './engine/operation-run';
import { runOperationWorkflow } from './operation-workflow';

export const upgradeCluster = (input: OperationInput): Promise<OperationResult> => runOperationWorkflow('upgrade', input);
