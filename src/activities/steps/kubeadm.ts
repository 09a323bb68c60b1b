// Article steps 8, 10, 11: kubeadm init on the first master, joins with fresh credentials.
// Join secrets (token, certificate key) are made on the first master inside the activity, used,
// and revoked; they never leave this process: not returned, not in heartbeats, not in errors. (The
// first master, which holds the certificates the key seals, keeps the run's key root-only for the
// run's other joins: see runCertificateKey.)
//
// Both recover from a crash at any point: a host whose init or join never completed but left files
// behind (manifests, kubelet.conf, certificates) is reset with `kubeadm reset -f` before kubeadm runs
// again, because kubeadm's own preflight refuses such a host forever. Completion is recorded on the
// host, so a finished control plane that is only slow to answer is waited for, never reset.
import { createHash } from 'node:crypto';
import type { StepResult } from '../../contracts/activity-request';
import { CERTIFICATE_KEYS_DIR, HOST_PATHS, INIT_TOKEN_MARK, KUBEADM_RESET, remotePath } from '../../contracts/remote-files';
import { result, type HostSession } from '../host/session';
import { backupPathOf } from '../ssh/files';
import { KUBECTL, firstMaster, kubectl } from './kubectl';
import { shq } from '../ssh/shell';

const INIT_DONE = '/var/lib/hakube/kubeadm-init.done';
const JOIN_DONE = '/var/lib/hakube/kubeadm-join.done';
/** Files kubeadm leaves behind: any of them without a completion record means a half-done run. */
const KUBEADM_LEFTOVERS = `${HOST_PATHS['kubelet-conf']} ${HOST_PATHS['admin-conf']} ${HOST_PATHS['kubernetes-ca']} /etc/kubernetes/manifests/*.yaml`;

const hasLeftovers = (s: HostSession) => s.test(`for f in ${KUBEADM_LEFTOVERS}; do [ -e "$f" ] && exit 0; done; exit 1`);

/** Marks that this run started kubeadm on the host: the phase's undo (kubeadm reset) applies only then. */
const markStarted = (s: HostSession) =>
  s.sh(
    `mkdir -p -m 700 "$(dirname ${backupPathOf(s.backupTag, '/kubeadm-started')})" && touch ${backupPathOf(s.backupTag, '/kubeadm-started')}`,
  );

async function resetHalfDone(s: HostSession, why: string): Promise<void> {
  s.log(`${why}: kubeadm reset -f before running kubeadm again`);
  await s.sh(KUBEADM_RESET, { timeoutMs: 5 * 60_000 });
}

async function kubeadmInit(s: HostSession): Promise<StepResult> {
  // An API server that answers proves little: an init cut off after the control plane came up has no
  // cluster-info ConfigMap (the bootstrap-token phase), and nothing can join. Complete = that too.
  const complete = () =>
    s.test(
      `test -f ${HOST_PATHS['admin-conf']} && ${KUBECTL} get --raw=/readyz >/dev/null 2>&1 && ${KUBECTL} -n kube-public get configmap cluster-info >/dev/null 2>&1`,
    );
  if (await complete()) {
    await s.sh(`mkdir -p /var/lib/hakube && touch ${INIT_DONE}`);
    return result(await revokeInitToken(s));
  }
  if (await s.test(`test -f ${INIT_DONE}`)) {
    // Initialised before: wait for it (a restart, an etcd hiccup), never initialise it again.
    if (
      await s.test(`for i in $(seq 60); do ${KUBECTL} get --raw=/readyz >/dev/null 2>&1 && exit 0; sleep 2; done; exit 1`, {
        timeoutMs: 150_000,
      })
    ) {
      if (await complete()) return result(false);
      // The API server answers from an etcd that lacks what init wrote: etcd's data was lost, wiped or
      // belongs to another cluster. Initialising again would hide that; the operator chooses.
      s.refuse(
        `the control plane on ${s.host.name} was initialised (${INIT_DONE}) and its API server answers, but its data is not in etcd ` +
          `(no cluster-info ConfigMap in kube-public): etcd's data was lost, wiped or is another cluster's. ` +
          `Restore a snapshot (\`hakube restore -c ${s.spec.name} --from FILE\`), or start the cluster again: ` +
          `\`hakube reset -c ${s.spec.name}\`, then \`hakube up\` (a new control plane over what etcd holds now)`,
        'ControlPlaneDataMissing',
      );
    }
    throw new Error(
      `the control plane on ${s.host.name} was initialised but its API server does not answer /readyz; check kubelet and the static pods`,
    );
  }
  if (await hasLeftovers(s)) await resetHalfDone(s, 'a kubeadm init that did not complete left files behind');
  await markStarted(s);
  await s.writeRendered('kubeadm-init');
  await s.sh(`kubeadm init --config ${remotePath('kubeadm-init')} --upload-certs`, { timeoutMs: 20 * 60_000 });
  await s.sh(`touch ${INIT_DONE}`);
  await revokeInitToken(s);
  return result(true);
}

/**
 * Deletes the bootstrap token `kubeadm init` made (found by the mark in its description): nothing
 * needs it, every join makes its own 1-hour token and deletes it, and a leftover token lets anyone
 * who reads it join a node. Looked for on every run, so an init cut off before this still gets it.
 */
async function revokeInitToken(s: HostSession): Promise<boolean> {
  const list = await s.sh('kubeadm token list', { timeoutMs: 60_000 });
  const ids = list
    .split('\n')
    .filter((line) => line.includes(INIT_TOKEN_MARK))
    .map((line) => line.slice(0, 6));
  for (const id of ids) await s.sh(`kubeadm token delete ${id}`, { timeoutMs: 60_000 });
  if (ids.length) s.log(`deleted kubeadm init's bootstrap token (${ids.join(', ')}): joins make their own`);
  return ids.length > 0;
}

async function apiServerReady(s: HostSession): Promise<StepResult> {
  const out = (await kubectl(s, 'get --raw=/readyz', 30_000)).trim();
  if (out !== 'ok') throw new Error(`API server not ready: ${out}`);
  return result(false);
}

/** Whether the host is a complete member: its Node exists, and a master is marked control plane. */
async function joinedCompletely(s: HostSession): Promise<boolean> {
  const labels = await firstMaster(s).probe(`${KUBECTL} get node ${s.host.name} -o jsonpath='{.metadata.labels}'`, { timeoutMs: 30_000 });
  if (labels.code !== 0) return false;
  return s.host.role !== 'master' || labels.stdout.includes('node-role.kubernetes.io/control-plane');
}

// The first master keeps the certificate key of a run's upload in CERTIFICATE_KEYS_DIR, root only, beside the certificates it seals.
const certificateKeyFile = (master: HostSession) => `${CERTIFICATE_KEYS_DIR}/${master.backupTag}`;

/** Under the lock every reader and writer of CERTIFICATE_KEYS_DIR takes on the first master. */
const lockedKeys = (command: string) =>
  `umask 077 && mkdir -p ${CERTIFICATE_KEYS_DIR} && exec 9>${CERTIFICATE_KEYS_DIR}/.lock && flock -w 600 9 && ${command}`;
const CERTIFICATE_KEY = /^[a-f0-9]{64}$/;

/**
 * The key of the control-plane certificates uploaded for this run's joins (kubeadm-certs Secret; the one
 * from init expires after 2 hours). Uploaded once per run, under a lock on the first master: masters
 * join at the same time, and an upload per join would re-encrypt the Secret under a new key while
 * another master downloads it with the previous one. A key older than an hour is not reused.
 */
async function runCertificateKey(master: HostSession): Promise<string> {
  const file = shq(certificateKeyFile(master));
  const upload = `kubeadm init phase upload-certs --upload-certs --config ${remotePath('kubeadm-init')}`;
  const out = await master.sh(
    lockedKeys(
      [
        `find ${CERTIFICATE_KEYS_DIR} -type f ! -name .lock -mmin +60 -delete`,
        // kubeadm prints the key alone on its last line; anything else is not kept.
        `{ [ -s ${file} ] || { out=$(${upload}) && printf '%s\\n' "$out" | tail -n 1 | tr -d ' ' > ${file}.tmp && grep -qxE '[a-f0-9]{64}' ${file}.tmp && mv ${file}.tmp ${file}; }; }`,
        `cat ${file}`,
      ].join(' && '),
    ),
    { timeoutMs: 12 * 60_000 },
  );
  const key = out.trim();
  if (!CERTIFICATE_KEY.test(key)) throw new Error('kubeadm init phase upload-certs printed no certificate key on its last line');
  return key;
}

/**
 * Forgets the run's key after a join could not decrypt or find the uploaded certificates (uploaded again
 * by hand since, or expired), so the next attempt uploads anew — only if the file still holds that key:
 * another master's attempt may have replaced it already. Compared by digest: the key stays off the command line.
 */
async function forgetCertificateKey(master: HostSession, key: string): Promise<void> {
  const file = shq(certificateKeyFile(master));
  const digest = createHash('sha256').update(`${key}\n`).digest('hex');
  await master.probe(lockedKeys(`[ "$(sha256sum < ${file} | cut -c1-64)" = ${digest} ] && rm -f ${file}`));
}

async function joinNode(s: HostSession): Promise<StepResult> {
  if ((await s.test(`test -f ${JOIN_DONE}`)) || ((await s.exists('kubelet-conf')) && (await joinedCompletely(s)))) {
    await s.sh(`mkdir -p /var/lib/hakube && touch ${JOIN_DONE}`);
    return result(false);
  }
  if (await hasLeftovers(s)) {
    await resetHalfDone(s, 'a kubeadm join that did not complete left files behind');
    // kubeadm refuses to join while a Ready Node of this name exists: wait until the reset one is not.
    const readyOf = `${KUBECTL} get node ${s.host.name} -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null`;
    await firstMaster(s).probe(`for i in $(seq 60); do [ "$(${readyOf})" = True ] || exit 0; sleep 2; done`, { timeoutMs: 150_000 });
  }
  const master = firstMaster(s);
  const token = (await master.sh('kubeadm token create --ttl 1h')).trim();
  const caCertHash =
    'sha256:' +
    (
      await master.sh(
        `openssl x509 -pubkey -in ${HOST_PATHS['kubernetes-ca']} | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex | sed 's/^.* //'`,
      )
    ).trim();
  const certificateKey = s.host.role === 'master' ? await runCertificateKey(master) : '';
  const secrets = { joinToken: token, caCertHash, certificateKey };
  const joinConfig = remotePath('kubeadm-join');
  try {
    await markStarted(s);
    await s.writeRendered('kubeadm-join', secrets);
    await s
      .sh(`kubeadm join --config ${joinConfig}`, { timeoutMs: 20 * 60_000, redact: [token, certificateKey] })
      .catch(async (err: unknown) => {
        if (certificateKey && /download-certs.*(message authentication failed|not found|decod)/.test(String(err)))
          await forgetCertificateKey(master, certificateKey);
        throw err;
      });
    await s.sh(`touch ${JOIN_DONE}`);
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
