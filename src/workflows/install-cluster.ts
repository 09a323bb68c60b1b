// The install workflow (one per cluster, id hakube-<name>): the install's phases (operations.ts) on
// the shared operation shell.
import type { OperationResult } from '../contracts/progress';
import type { OperationInput } from './engine/operation-run';
import { runOperationWorkflow } from './operation-workflow';

export type InstallInput = OperationInput;
export type InstallResult = OperationResult;

export const installCluster = (input: InstallInput): Promise<InstallResult> => runOperationWorkflow('install', input);
