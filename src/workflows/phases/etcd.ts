import { activity, always, masters, undoWith, type PhaseDeclaration } from '../phase-model';

export const etcd: PhaseDeclaration = {
  id: 'etcd',
  articleStep: 7,
  title: 'External etcd on the masters',
  hosts: masters,
  fanout: 'parallel',
  shouldRun: always,
  steps: [
    undoWith({ restore: ['etcd-unit', 'etcd-env', 'etcd-compose'], stop: ['etcd'] }),
    activity(
      'etcdCertificates',
      'etcd certificates',
      'long',
      'etcd CA on the first master (made once); server, peer and API-server client keys made on this master, their CSRs signed by the CA (only CSRs and certificates travel)',
      { when: (spec) => spec.etcd.tls, patchId: 'etcd-tls' },
    ),
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
  ],
};
