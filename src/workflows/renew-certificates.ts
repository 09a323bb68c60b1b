// The certificate renewal workflow (id hakube-<name>.renew-certs; a schedule's runs get the time
// appended): etcd's and kubeadm's certificates renewed one master at a time (phases/certs.ts), on the
// shared operation shell.
import type { OperationResult } from '../contracts/progress';
import type { OperationInput } from './engine/operation-run';
import { runOperationWorkflow } from './operation-workflow';

export const renewCertificates = (input: OperationInput): Promise<OperationResult> => runOperationWorkflow('renew-certs', input);
