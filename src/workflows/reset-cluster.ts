// The reset workflow (id hakube-<name>.reset): every host back to before the install
// (phases/reset.ts), on the shared operation shell.
import type { OperationResult } from '../contracts/progress';
import type { OperationInput } from './engine/operation-run';
import { runOperationWorkflow } from './operation-workflow';

export const resetCluster = (input: OperationInput): Promise<OperationResult> => runOperationWorkflow('reset', input);
