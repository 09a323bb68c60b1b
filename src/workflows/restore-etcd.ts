// The restore workflow (id hakube-<name>.restore): the cluster's state back from an etcd snapshot
// (phases/restore.ts), on the shared operation shell.
import type { OperationResult } from '../contracts/progress';
import type { OperationInput } from './engine/operation-run';
import { runOperationWorkflow } from './operation-workflow';

export const restoreEtcd = (input: OperationInput): Promise<OperationResult> => runOperationWorkflow('restore', input);
