// `hakube certs renew`: the certificates of every master renewed before they end, one master at a time.
// etcd's (server, peer, the API server's client certificate) are hakube's to issue with external etcd
// (kubeadm leaves them to the installer): issued again from the etcd CA, then the member restarted.
// The control plane's are kubeadm's: `kubeadm certs renew all` (with external etcd: apiserver,
// apiserver-kubelet-client, front-proxy-client and the kubeconfigs of admin, super-admin,
// controller-manager and scheduler; never the CAs, never kubelet.conf, which the kubelet rotates),
// then the static pods restarted by moving their manifests away and back, as kubeadm's docs say.
//
// Crash safety: before anything is issued a "restart pending" marker is written on the host; the
// component is restarted while it is there and the marker removed after. A retry after a crash between
// the two therefore still restarts, and a retry after the restart does not renew again (a per-run marker;
// a crash between issuing and that marker renews once more: harmless, the backups keep the first originals).
// A later run finds markers an aborted one left and finishes the restart (asking first with --approve).
import { posix } from 'node:path';
import type { HostRequest, StepResult } from '../../contracts/activity-request';
import { API_SERVER_PORT, remotePath, type HostPathId } from '../../contracts/remote-files';
import { result, type HostSession } from '../host/session';
import { etcdCertificatesDue, issueEtcdCertificates } from '../host/etcd-pki';
import { LIST_CERTIFICATES, parseExpiries } from '../host/cert-expiry';
import { CONTROL_PLANE_PODS, startStaticPods, stopStaticPods } from '../host/static-pods';
import { shq } from '../ssh/shell';
import { restartEtcdMember } from './etcd';
import { isControlPlane } from './control-plane';
import { firstMaster } from './kubectl';
import { servedCertificate } from '../host/served-certificate';

/** The certificates `kubeadm certs renew all` replaces with external etcd (kubeadm's GetCertsWithoutEtcd
 * and the control plane's kubeconfigs), and the keys it makes anew with them: backed up first. */
const KUBEADM_RENEWED: readonly HostPathId[] = [
  'apiserver-cert',
  'apiserver-kubelet-client-cert',
  'front-proxy-client-cert',
  'admin-conf',
  'super-admin-conf',
  'controller-manager-conf',
  'scheduler-conf',
];
const KUBEADM_RENEWED_KEYS: readonly HostPathId[] = ['apiserver-key', 'apiserver-kubelet-client-key', 'front-proxy-client-key'];

const STATE_DIR = '/var/lib/hakube/certs';
/** Where the static pods' manifests wait while the control plane restarts. */
const MANIFESTS_ASIDE = `${STATE_DIR}/manifests-aside`;
type Component = 'etcd' | 'control-plane';
const restartPending = (c: Component) => `${STATE_DIR}/restart-${c}-pending`;
const renewedByRun = (c: Component, tag: string) => `${STATE_DIR}/${c}-renewed-${tag}`;
/** Present while `kubeadm certs renew all` runs: it writes each new key before its certificate, so one
 * that died halfway may leave a pair that does not match; a retry then runs it again whatever is due. */
const KUBEADM_RENEWING = `${STATE_DIR}/kubeadm-renewing`;
/** Touches the markers; other runs' "renewed" markers older than a day go (a daily schedule leaves none behind). */
const markers = (...paths: string[]) =>
  `mkdir -p -m 700 ${STATE_DIR} && touch ${paths.join(' ')} && find ${STATE_DIR} -maxdepth 1 -name '*-renewed-*' -mmin +1440 -delete`;

/** 'all' without --within (a renewal renews), else the threshold in seconds. */
const threshold = (req: HostRequest): number | 'all' =>
  req.options?.renewWithinDays === undefined ? 'all' : req.options.renewWithinDays * 86_400;

/** kubeadm's certificates on this master that are due, as "name (N days left)". */
async function kubeadmCertificatesDue(s: HostSession, req: HostRequest): Promise<string[]> {
  if (!(await isControlPlane(s))) return [];
  const renewed = KUBEADM_RENEWED.map(remotePath);
  const within = req.options?.renewWithinDays;
  return parseExpiries(s.host.name, await s.sh(`/bin/sh -c ${shq(LIST_CERTIFICATES)}`), new Date())
    .filter((e) => renewed.includes(e.certificate) && (within === undefined || e.daysLeft < within))
    .map((e) => `${posix.basename(e.certificate)} (${e.daysLeft} days left)`);
}

/** certs-due: what is due on this master; with --approve the host waits for `hakube approve` when anything is. */
async function certificatesDue(s: HostSession, req: HostRequest): Promise<StepResult> {
  const etcd = s.spec.etcd.tls ? await etcdCertificatesDue(s, threshold(req)) : [];
  // An earlier run that renewed and died before restarting (or was aborted) left its restart to this one.
  const left = {
    [restartPending('etcd')]: 'etcd restart',
    [restartPending('control-plane')]: 'control-plane restart',
    [KUBEADM_RENEWING]: 'kubeadm certs renew interrupted',
  };
  const present = (await s.sh(`ls -1 ${Object.keys(left).join(' ')} 2>/dev/null || true`)).split('\n').filter(Boolean);
  const pending = present.map((f) => `${left[f]} left by an earlier run`);
  const due = [...etcd.map((k) => `etcd ${k}`), ...(await kubeadmCertificatesDue(s, req)), ...pending];
  const within = req.options?.renewWithinDays;
  if (!due.length) {
    s.log(`no certificate ends within ${within} days: nothing to renew`);
    return result(false);
  }
  s.log(`to renew: ${due.join(', ')}`);
  if (!req.options?.approveRenewal) return result(false);
  return { changed: false, approvalNeeded: `renew ${due.join(', ')} (etcd and the control plane restarted, one master at a time)` };
}

/** etcd-certs: this master's etcd certificates issued again when due, then its member restarted. */
async function renewEtcdCertificates(s: HostSession, req: HostRequest): Promise<StepResult> {
  let changed = false;
  const done = renewedByRun('etcd', s.backupTag);
  if (!(await s.test(`test -e ${done}`))) {
    const due = await etcdCertificatesDue(s, threshold(req));
    if (due.length) {
      // The API server dials etcd with the client certificate: it restarts too (control-plane-certs).
      await s.sh(markers(restartPending('etcd'), ...(due.includes('apiserver-etcd-client') ? [restartPending('control-plane')] : [])));
      const signer = s.host.name === s.spec.firstMaster ? s : firstMaster(s);
      await issueEtcdCertificates(s, signer, due);
      changed = true;
    }
    await s.sh(markers(done));
  }
  if (await s.test(`test -e ${restartPending('etcd')}`)) {
    s.log(`restarting etcd on ${s.host.name} with its new certificates`);
    await restartEtcdMember(s);
    await s.sh(`rm -f ${restartPending('etcd')}`);
    changed = true;
  }
  return result(changed);
}

/** control-plane-certs: `kubeadm certs renew all` when any is due, then the static pods restarted. */
async function renewControlPlaneCertificates(s: HostSession, req: HostRequest): Promise<StepResult> {
  if (!(await isControlPlane(s))) return result(false);
  let changed = false;
  const done = renewedByRun('control-plane', s.backupTag);
  if (!(await s.test(`test -e ${done}`))) {
    const due = await kubeadmCertificatesDue(s, req);
    if (due.length || (await s.test(`test -e ${KUBEADM_RENEWING}`))) {
      await s.sh(markers(restartPending('control-plane'), KUBEADM_RENEWING));
      for (const id of [...KUBEADM_RENEWED, ...KUBEADM_RENEWED_KEYS]) await s.backup(id);
      // With --config kubeadm never falls back to its defaults (a local etcd) when the API is unreachable.
      await s.writeRendered('kubeadm-control-plane');
      const out = await s.sh(`kubeadm certs renew all --config ${remotePath('kubeadm-control-plane')}`, { timeoutMs: 120_000 });
      await s.sh(`rm -f ${KUBEADM_RENEWING}`);
      for (const line of out.split('\n').filter((l) => / renewed$/.test(l))) s.log(line);
      changed = true;
    }
    await s.sh(markers(done));
  }
  if (await s.test(`test -e ${restartPending('control-plane')}`)) {
    s.log(`restarting the control plane of ${s.host.name} (its static pods) with the new certificates`);
    await stopStaticPods(s, MANIFESTS_ASIDE, CONTROL_PLANE_PODS);
    await startStaticPods(s, MANIFESTS_ASIDE, CONTROL_PLANE_PODS);
    await s.sh(`rm -f ${restartPending('control-plane')}`);
    changed = true;
  }
  return result(changed);
}

/** Gate: this master's API server answers and serves the certificate now on disk. */
async function servesRenewedCertificate(s: HostSession): Promise<StepResult> {
  if (!(await isControlPlane(s))) return result(false);
  const server = `${s.host.address}:${API_SERVER_PORT}`;
  const { served, onDisk } = await servedCertificate(s, server, remotePath('apiserver-cert'));
  if (served !== onDisk) throw new Error(`the API server on ${server} does not serve the certificate on disk yet`);
  const ready = await s.sh(`curl -sk -m 5 https://${server}/readyz`, { timeoutMs: 30_000 });
  if (ready.trim() !== 'ok') throw new Error(`the API server on ${server} is not ready: ${ready.trim()}`);
  return result(false);
}

export const certsSteps = { certificatesDue, renewEtcdCertificates, renewControlPlaneCertificates, servesRenewedCertificate };
