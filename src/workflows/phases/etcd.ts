import { activity, always, masters, otherMasters, undoWith, type PhaseDeclaration } from '../phase-model';

const etcdCertificates = activity(
  'etcdCertificates',
  'etcd certificates',
  'long',
  'etcd CA on the first master (made once); server, peer and API-server client keys made on this master, their CSRs signed by the CA (only CSRs and certificates travel)',
  { when: (spec) => spec.etcd.tls, patchId: 'etcd-tls' },
);

/** After the gate: which etcd cluster the member belongs to (a restore makes a new one). */
export const recordEtcdCluster = activity(
  'recordEtcdCluster',
  'etcd cluster recorded',
  'quick',
  `the etcd cluster ID this member belongs to, beside the cluster's name in /var/lib/hakube/cluster-identity`,
  { patchId: 'etcd-cluster-identity' },
);

/**
 * Masters added to a running cluster join etcd before the etcd phase, one at a time (etcd allows one
 * learner at a time, and one new member at a time keeps the quorum safe). In a fresh install it finds
 * no cluster yet and leaves the bootstrap to the etcd phase.
 */
export const etcdJoin: PhaseDeclaration = {
  id: 'etcd-join',
  articleStep: 7,
  title: 'Masters new to a running cluster join etcd as learners, promoted once in sync, one at a time',
  hosts: otherMasters,
  fanout: 'one-at-a-time',
  shouldRun: (s) => s.masters.length > 1,
  patchId: 'etcd-join-phase',
  steps: [
    undoWith({ restore: ['etcd-unit', 'etcd-env', 'etcd-compose'], stop: ['etcd'] }),
    activity(
      'joinEtcdMember',
      'etcd member joined',
      'long',
      'only when the cluster exists and this master is not a member: its etcd certificates, etcdctl member add --learner, etcd started with initial-cluster-state existing, member promote once in sync',
      { writes: ['etcd-env', 'etcd-unit', 'etcd-compose'] },
    ),
  ],
};

export const etcd: PhaseDeclaration = {
  id: 'etcd',
  articleStep: 7,
  title: 'External etcd on the masters',
  hosts: masters,
  fanout: 'parallel',
  shouldRun: always,
  steps: [
    undoWith({ restore: ['etcd-unit', 'etcd-env', 'etcd-compose'], stop: ['etcd'] }),
    etcdCertificates,
    activity(
      'startEtcd',
      'etcd member started',
      'long',
      'install etcd (systemd unit or docker-compose, from etcd.mode; the image from etcd.imageArchiveUrl when given, sha256 checked) and start it',
      {
        writes: ['etcd-env', 'etcd-unit', 'etcd-compose'],
      },
    ),
    activity('etcdHealthy', 'etcd cluster healthy', 'gate', 'etcdctl member list = all masters, endpoint health all healthy', {
      gate: true,
    }),
    recordEtcdCluster,
  ],
};
