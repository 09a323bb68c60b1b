// `hakube restore --from FILE`: the cluster's state put back from an etcd snapshot (steps/restore.ts).
// Barriers on purpose: every API server is down before any etcd member is replaced, and every member
// is restored before the API servers come back.
import { activity, always, firstMaster, masters, undoWith, type PhaseDeclaration } from '../phase-model';
import { recordEtcdCluster } from './etcd';

export const stopApiServers: PhaseDeclaration = {
  id: 'api-servers-stop',
  title: 'Every API server stopped (its static pod manifest moved away, backed up)',
  hosts: masters,
  fanout: 'parallel',
  shouldRun: always,
  // Once every API server is down, an abort leaves them down: started on a half-restored etcd they would
  // serve (and write) a mix of old and restored members. `hakube retry`, or the restore run again, finishes.
  pointOfNoReturn: true,
  steps: [
    undoWith({ restore: ['apiserver-manifest'] }),
    activity('stopApiServer', 'API server stopped', 'long', 'manifest moved away (backup kept); wait until /healthz stops answering'),
  ],
};

export const etcdRestore: PhaseDeclaration = {
  id: 'etcd-restore',
  title: 'Snapshot restored on every member (own name and peer URL, new cluster token), etcd started',
  hosts: masters,
  fanout: 'parallel',
  shouldRun: always,
  steps: [
    activity(
      'restoreEtcdMember',
      'etcd member restored',
      'long',
      'snapshot uploaded, sha256 and snapshot status checked; etcd stopped; data directory kept as <dir>.before-restore-<run>; etcdutl/etcdctl snapshot restore; etcd started',
    ),
    activity('etcdHealthy', 'etcd cluster healthy', 'gate', 'etcdctl member list = all masters, endpoint health all healthy', {
      gate: true,
    }),
    recordEtcdCluster,
  ],
};

export const startApiServers: PhaseDeclaration = {
  id: 'api-servers-start',
  title: 'API servers back (manifests put back), each answering /readyz',
  hosts: masters,
  fanout: 'parallel',
  shouldRun: always,
  steps: [activity('startApiServer', 'API server back', 'long', 'manifest put back from the backup; wait for /readyz')],
};

export const nodesReadyAfterRestore: PhaseDeclaration = {
  id: 'nodes-ready',
  title: 'Every Node Ready again',
  hosts: firstMaster,
  fanout: 'parallel',
  shouldRun: always,
  steps: [
    activity('clusterNodesReady', 'every Node Ready', 'gate', 'kubectl get nodes: every host of the inventory Ready', { gate: true }),
  ],
};
