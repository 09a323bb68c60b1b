// Article steps 8, 10, 11: kubeadm init on the first master, joins with fresh credentials.
// Join secrets (token, certificate key) are made on the first master inside the activity, used,
// and revoked; they never leave this process: not returned, not in heartbeats, not in errors.
import type { StepResult } from '../../contracts/activity-request';
import { HOST_PATHS, remotePath } from '../../contracts/remote-files';
import { result, type HostSession } from '../host/session';
import { KUBECTL, firstMaster, kubectl } from './kubectl';

async function kubeadmInit(s: HostSession): Promise<StepResult> {
  if (await s.test(`test -f ${HOST_PATHS['admin-conf']} && ${KUBECTL} get --raw=/readyz >/dev/null 2>&1`)) return result(false);
  await s.writeRendered('kubeadm-init');
  await s.sh(`kubeadm init --config ${remotePath('kubeadm-init')} --upload-certs`, { timeoutMs: 20 * 60_000 });
  return result(true);
}

async function apiServerReady(s: HostSession): Promise<StepResult> {
  const out = (await kubectl(s, 'get --raw=/readyz', 30_000)).trim();
  if (out !== 'ok') throw new Error(`API server not ready: ${out}`);
  return result(false);
}

async function joinNode(s: HostSession): Promise<StepResult> {
  if (await s.exists('kubelet-conf')) return result(false);
  const master = firstMaster(s);
  const token = (await master.sh('kubeadm token create --ttl 1h')).trim();
  const caCertHash =
    'sha256:' +
    (
      await master.sh(
        `openssl x509 -pubkey -in ${HOST_PATHS['kubernetes-ca']} | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex | sed 's/^.* //'`,
      )
    ).trim();
  // Re-uploading the certificates gives a fresh key: the one from init expires after 2 hours.
  const certificateKey =
    s.host.role === 'master'
      ? (await master.sh(`kubeadm init phase upload-certs --upload-certs --config ${remotePath('kubeadm-init')}`))
          .trim()
          .split('\n')
          .pop()!
          .trim()
      : '';
  const secrets = { joinToken: token, caCertHash, certificateKey };
  const joinConfig = remotePath('kubeadm-join');
  try {
    await s.writeRendered('kubeadm-join', secrets);
    await s.sh(`kubeadm join --config ${joinConfig}`, { timeoutMs: 20 * 60_000, redact: [token, certificateKey] });
  } finally {
    await s.probe(`rm -f ${joinConfig}`);
    await master.probe(`kubeadm token delete ${token}`, { redact: [token] });
  }
  return result(true);
}

async function nodeReady(s: HostSession): Promise<StepResult> {
  const status = (await kubectl(s, `get node ${s.host.name} -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'`, 30_000)).trim();
  if (status !== 'True') throw new Error(`node ${s.host.name} is not Ready yet (Ready=${status || 'unknown'})`);
  return result(false);
}

export const kubeadmSteps = { kubeadmInit, apiServerReady, joinNode, nodeReady };
