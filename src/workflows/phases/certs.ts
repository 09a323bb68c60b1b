// `hakube certs renew`: what is due is listed (and approved, with --approve), then etcd's certificates
// and then the control plane's are renewed, one master at a time, each master restarted behind a gate
// before the next one starts, so the others keep etcd's quorum and serve the API meanwhile.
import { activity, masters, undoWith, type PhaseDeclaration } from '../phase-model';

export const certsDue: PhaseDeclaration = {
  id: 'certs-due',
  title: 'Certificates due for renewal, on every master (with --approve: wait for `hakube approve`)',
  hosts: masters,
  fanout: 'parallel',
  shouldRun: () => true,
  steps: [
    activity(
      'certificatesDue',
      'certificates due',
      'quick',
      "etcd's server, peer and API-server client certificates and kubeadm's (apiserver, apiserver-kubelet-client, front-proxy-client, the control plane's kubeconfigs) ending within --within days (all without it)",
      { approvalWhenResultSays: true },
    ),
  ],
};

export const etcdCerts: PhaseDeclaration = {
  id: 'etcd-certs',
  title: "etcd's certificates issued again from the etcd CA, each member restarted; one master at a time",
  hosts: masters,
  fanout: 'one-at-a-time',
  shouldRun: (s) => s.etcd.tls,
  steps: [
    activity(
      'renewEtcdCertificates',
      'etcd certificates renewed',
      'long',
      'new certificates for the keys on the host, signed on the first master; the member restarted, healthy, serving the new certificate',
    ),
    activity('etcdHealthy', 'etcd cluster healthy', 'gate', 'every member started and every endpoint healthy', { gate: true }),
  ],
};

export const controlPlaneCerts: PhaseDeclaration = {
  id: 'control-plane-certs',
  title: "kubeadm's certificates renewed (kubeadm certs renew all), the static pods restarted; one master at a time",
  hosts: masters,
  fanout: 'one-at-a-time',
  shouldRun: () => true,
  steps: [
    // An abort while the pods are down brings them back (the certificates, renewed and valid, stay).
    undoWith({ restore: ['apiserver-manifest', 'controller-manager-manifest', 'scheduler-manifest'] }),
    activity(
      'renewControlPlaneCertificates',
      'control plane certificates renewed',
      'long',
      'old certificates and kubeconfigs backed up; kubeadm certs renew all --config kubeadm-control-plane.yaml; manifests moved away and back (the kubelet restarts the pods)',
      { writes: ['kubeadm-control-plane'] },
    ),
    activity(
      'servesRenewedCertificate',
      'API server serves the new certificate',
      'gate',
      "this master's /readyz ok and the certificate it serves is the one on disk",
      { gate: true },
    ),
  ],
};
