// The search attributes hakube's workflows carry, so the Web UI's workflow list (and `temporal workflow
// list --query`) filters to one cluster, operation, phase or host: `HakubeCluster = "lab"`. Their values
// are indexed in plain text by the Temporal server, like the workflow ids, which already name the
// cluster, the phase and the host (hakube-lab/etcd/master01); nothing else goes into them.
// Shared by the client (start, schedules) and the workflows (host workflows): no Node built-ins.
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { OperationId } from './workflow-ids';

export const CLUSTER_ATTRIBUTE = defineSearchAttributeKey('HakubeCluster', SearchAttributeType.KEYWORD);
export const OPERATION_ATTRIBUTE = defineSearchAttributeKey('HakubeOperation', SearchAttributeType.KEYWORD);
export const PHASE_ATTRIBUTE = defineSearchAttributeKey('HakubePhase', SearchAttributeType.KEYWORD);
export const HOST_ATTRIBUTE = defineSearchAttributeKey('HakubeHost', SearchAttributeType.KEYWORD);
export const SEARCH_ATTRIBUTES = [CLUSTER_ATTRIBUTE, OPERATION_ATTRIBUTE, PHASE_ATTRIBUTE, HOST_ATTRIBUTE];

/** An operation's workflow: its cluster and operation. */
export const operationAttributes = (cluster: string, operation: OperationId): SearchAttributePair[] => [
  { key: CLUSTER_ATTRIBUTE, value: cluster },
  { key: OPERATION_ATTRIBUTE, value: operation },
];

/** A host workflow: its parent's, and its phase and host. */
export const hostAttributes = (parent: SearchAttributePair[], phase: string, host: string): SearchAttributePair[] => [
  ...parent,
  { key: PHASE_ATTRIBUTE, value: phase },
  { key: HOST_ATTRIBUTE, value: host },
];
