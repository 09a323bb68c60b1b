// The backup workflow (id hakube-<name>.backup; a schedule's runs get the time appended): one etcd
// snapshot into the operator's directory (phases/backup.ts), on the shared operation shell.
import type { OperationResult } from '../contracts/progress';
import type { OperationInput } from './engine/operation-run';
import { runOperationWorkflow } from './operation-workflow';

export const backupEtcd = (input: OperationInput): Promise<OperationResult> => runOperationWorkflow('backup', input);
