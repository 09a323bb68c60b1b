// The removal workflow (id hakube-<name>.remove): hosts leave the running cluster (phases/remove.ts),
// on the shared operation shell.
import type { OperationResult } from '../contracts/progress';
import type { OperationInput } from './engine/operation-run';
import { runOperationWorkflow } from './operation-workflow';

export const removeNodes = (input: OperationInput): Promise<OperationResult> => runOperationWorkflow('remove', input);
