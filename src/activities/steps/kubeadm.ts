// Article steps 8, 10, 11: kubeadm init on the first master, joins with fresh credentials.
// Join secrets (token, certificate key) are made on the first master inside the activity, used,
// and revoked; they never leave this process: not returned, not in heartbeats, not in errors.
import type { StepResult } from '../types';
import { result, type HostSession } from '../host-session';
import { ADMIN_CONF, firstMaster, kubectl } from './kubectl';

const INIT_CONFIG = '/etc/hakube/kubeadm/kubeadm-init.yaml';
const JOIN_CONFIG = '/etc/hakube/kubeadm/kubeadm-join.yaml';

export async function kubeadmInit(s: HostSession): Promise<StepResult> {
  if (await s.test(`test -f ${ADMIN_CONF} && kubectl --kubeconfig ${ADMIN_CONF} get --raw=/readyz >/dev/null 2>&1`))
    return result(false, 'control plane already initialised');
  await s.writeRendered('kubeadm-init');
  await s.sh(`kubeadm init --config ${INIT_CONFIG} --upload-certs`, { timeoutMs: 20 * 60_000 });
  return result(true, `kubeadm init done on ${s.host.name}; admin.conf stays at ${ADMIN_CONF} on ${s.host.name}`);
}

export async function apiServerReady(s: HostSession): Promise<StepResult> {
  const out = (await kubectl(s, 'get --raw=/readyz', 30_000)).trim();
  if (out !== 'ok') throw new Error(`API server not ready: ${out}`);
  return result(false, 'API server /readyz ok');
}

export async function joinNode(s: HostSession): Promise<StepResult> {
  if (await s.test('test -f /etc/kubernetes/kubelet.conf')) return result(false, `${s.host.name} already joined`);
  const master = firstMaster(s);
  const token = (await master.sh('kubeadm token create --ttl 1h')).trim();
  const caCertHash =
    'sha256:' +
    (await master.sh("openssl x509 -pubkey -in /etc/kubernetes/pki/ca.crt | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex | sed 's/^.* //'")).trim();
  // Re-uploading the certificates gives a fresh key: the one from init expires after 2 hours.
  const certificateKey =
    s.host.role === 'master' ? (await master.sh(`kubeadm init phase upload-certs --upload-certs --config ${INIT_CONFIG}`)).trim().split('\n').pop()!.trim() : '';
  const secrets = { joinToken: token, caCertHash, certificateKey };
  try {
    await s.writeRendered('kubeadm-join', secrets);
    await s.sh(`kubeadm join --config ${JOIN_CONFIG}`, { timeoutMs: 20 * 60_000, redact: [token, certificateKey] });
  } finally {
    await s.probe(`rm -f ${JOIN_CONFIG}`);
    await master.probe(`kubeadm token delete ${token}`, { redact: [token] });
  }
  return result(true, `${s.host.name} joined${s.host.role === 'master' ? ' as a control-plane node' : ''}`);
}

export async function nodeReady(s: HostSession): Promise<StepResult> {
  const status = (await kubectl(s, `get node ${s.host.name} -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'`, 30_000)).trim();
  if (status !== 'True') throw new Error(`node ${s.host.name} is not Ready yet (Ready=${status || 'unknown'})`);
  return result(false, `node ${s.host.name} Ready`);
}
