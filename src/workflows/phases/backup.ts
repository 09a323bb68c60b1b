// `hakube backup`: one etcd snapshot, streamed to the operator's directory (steps/backup.ts).
import { activity, always, firstMaster, type PhaseDeclaration } from '../phase-model';

export const etcdSnapshot: PhaseDeclaration = {
  id: 'etcd-snapshot',
  title: 'etcd snapshot from a healthy member, checked, streamed to the backup directory',
  hosts: firstMaster,
  fanout: 'parallel',
  shouldRun: always,
  steps: [
    activity(
      'snapshotEtcd',
      'etcd snapshot saved',
      'long',
      'etcdctl snapshot save from the first healthy endpoint; snapshot status and sha256 on the host; SFTP to the backup directory on the worker machine, sha256 checked again; older snapshots beyond --keep removed',
    ),
  ],
};
