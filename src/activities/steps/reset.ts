// `hakube reset`: the companion playbook's reset-cluster.yml, modernised. Every step checks first and
// acts only on what is there, so a reset re-run (or resumed after a crash) finds its work done.
// Afterwards `hakube up` installs the cluster again on the same hosts.
import type { HostRequest, StepResult } from '../../contracts/activity-request';
import { APPLIED_DIR, CERTIFICATE_KEYS_DIR, etcdDataDir, KUBEADM_RESET, remotePath } from '../../contracts/remote-files';
import { result, type HostSession } from '../host/session';
import { heldPackages, missingPackages } from '../host/packages';
import { unitExists } from '../host/units';
import { shq } from '../ssh/shell';
import { releaseHost } from '../host/cluster-identity';

/** hakube's own records on a host that say "this was done" (the HA check, kubeadm init/join, the add-ons' applies). */
const HAKUBE_MARKERS = `/var/lib/hakube/ha-check-passed /var/lib/hakube/kubeadm-init.done /var/lib/hakube/kubeadm-join.done ${APPLIED_DIR} ${CERTIFICATE_KEYS_DIR}`;
/** What kubeadm leaves on a node; any of them means there is something to reset. */
const KUBEADM_STATE =
  '/etc/kubernetes/kubelet.conf /etc/kubernetes/bootstrap-kubelet.conf /etc/kubernetes/admin.conf /etc/kubernetes/pki /var/lib/kubelet/config.yaml /etc/kubernetes/manifests/*.yaml';
const KUBERNETES_PACKAGES = ['kubelet', 'kubeadm', 'kubectl', 'kubernetes-cni', 'cri-tools'];
/** The CNI's interfaces (calico-node and flanneld make them; nothing removes them when they are gone). */
const CNI_LINKS = /^(cali[0-9a-f]+|tunl0|vxlan\.calico|vxlan-v6\.calico|wireguard\.cali|wg-v6\.cali|flannel\.\d+|cni0)$/;
/** iptables rules of Calico (cali-), flannel (FLANNEL-) and kube-proxy (KUBE-): `kubeadm reset` leaves them. */
const FOREIGN_RULES = "grep -E '(^|[ :])(cali-|FLANNEL-|KUBE-)'";

/** `kubeadm reset` (KUBEADM_RESET: etcd's data is not kubeadm's) when kubeadm left anything; hakube's completion records go with it. */
async function kubeadmReset(s: HostSession): Promise<StepResult> {
  const leftovers = await s.test(`for f in ${KUBEADM_STATE}; do [ -e "$f" ] && exit 0; done; exit 1`);
  const markers = await s.test(`for f in ${HAKUBE_MARKERS}; do [ -e "$f" ] && exit 0; done; exit 1`);
  if (leftovers) {
    if (!(await s.test('command -v kubeadm >/dev/null')))
      s.refuse('kubeadm is not installed but its files are (/etc/kubernetes): install kubeadm or remove them by hand, then `hakube retry`');
    await s.sh(KUBEADM_RESET, { timeoutMs: 5 * 60_000 });
  }
  if (markers) await s.sh(`rm -rf ${HAKUBE_MARKERS}`);
  // The host is no cluster's any more: `up` of another cluster may take it.
  const released = await releaseHost(s);
  return result(leftovers || markers || released);
}

/** Pods and containers removed through the CRI (crictl), as the playbook's cleanup does. */
async function removeWorkloadContainers(s: HostSession): Promise<StepResult> {
  const crictl = 'crictl --runtime-endpoint unix:///run/containerd/containerd.sock';
  if (!(await s.test(`command -v crictl >/dev/null && test -S /run/containerd/containerd.sock`))) {
    s.log('no crictl or no containerd socket: no containers to remove');
    return result(false);
  }
  const pods = (await s.sh(`${crictl} pods -q`)).trim();
  const containers = (await s.sh(`${crictl} ps -aq`)).trim();
  if (pods) await s.sh(`${crictl} rmp -af`, { timeoutMs: 5 * 60_000 });
  if (containers) await s.sh(`${crictl} rm -af`, { timeoutMs: 5 * 60_000 });
  return result(!!(pods || containers));
}

/** CNI configuration and state, Calico's interfaces, and Calico's and kube-proxy's iptables rules. */
async function removeCniState(s: HostSession): Promise<StepResult> {
  let changed = false;
  const dirs = '/etc/cni/net.d/* /var/lib/cni /var/lib/calico /var/run/calico /var/log/calico /run/flannel';
  if (await s.test(`for f in ${dirs}; do [ -e "$f" ] && exit 0; done; exit 1`)) {
    await s.sh(`rm -rf ${dirs}`);
    changed = true;
  }
  const links = (await s.sh(`ip -o link show | awk -F': ' '{ print $2 }' | cut -d@ -f1`))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => CNI_LINKS.test(l));
  for (const link of links) await s.sh(`ip link delete ${shq(link)} 2>/dev/null || ! ip link show ${shq(link)} >/dev/null 2>&1`);
  changed ||= links.length > 0;
  // Each iptables flavour present: the rules and chains of Calico and kube-proxy out, everything else
  // (the operator's own rules, docker's) restored as it was.
  for (const tool of ['iptables', 'ip6tables']) {
    if (!(await s.test(`command -v ${tool}-save >/dev/null`))) continue;
    if (!(await s.test(`${tool}-save | ${FOREIGN_RULES} -q`))) continue;
    await s.sh(`${tool}-save | ${FOREIGN_RULES.replace('grep -E', 'grep -vE')} | ${tool}-restore`);
    changed = true;
  }
  if (await s.test(`command -v nft >/dev/null && nft list tables 2>/dev/null | grep -q calico`)) {
    await s.sh(
      `nft list tables | awk '/calico/ { print $2, $3 }' | while read -r family table; do nft delete table "$family" "$table"; done`,
    );
    changed = true;
  }
  return result(changed);
}

/** A worker's haproxy stopped and disabled, its config removed (backed up); purged with --purge. */
async function removeHaproxy(s: HostSession, req: HostRequest): Promise<StepResult> {
  if (s.host.role !== 'worker') return result(false);
  let changed = false;
  if (await unitExists(s, 'haproxy')) {
    if (await s.test('systemctl is-active --quiet haproxy || systemctl is-enabled --quiet haproxy')) {
      await s.sh('systemctl disable --now haproxy');
      changed = true;
    }
  }
  if (await s.exists('haproxy-config')) changed = (await s.remove('haproxy-config')) || changed;
  if (req.options?.purge && !(await missingPackages(s, ['haproxy'])).length) {
    await s.sh('apt-get purge -y -q -o DPkg::Lock::Timeout=300 haproxy', { timeoutMs: 10 * 60_000 });
    changed = true;
  }
  return result(changed);
}

/** This master's etcd member stopped; its data erased only with --wipe-etcd (certificates are kept). */
async function stopEtcd(s: HostSession, req: HostRequest): Promise<StepResult> {
  let changed = false;
  if (s.spec.etcd.mode === 'systemd' && (await unitExists(s, 'etcd'))) {
    if (await s.test('systemctl is-active --quiet etcd || systemctl is-enabled --quiet etcd')) {
      await s.sh('systemctl disable --now etcd');
      changed = true;
    }
  }
  if (s.spec.etcd.mode === 'docker-compose' && (await s.exists('etcd-compose'))) {
    if (await s.test(`command -v docker >/dev/null && docker ps -a --format '{{.Names}}' | grep -qx etcd`)) {
      await s.sh(`docker-compose -f ${remotePath('etcd-compose')} down`, { timeoutMs: 5 * 60_000 });
      changed = true;
    }
  }
  const dataDir = etcdDataDir(s.spec.name);
  // A master leaving the cluster (`hakube remove`) is no member any more: its data is of no use.
  const wipe = req.options?.wipeEtcd || req.options?.removing?.includes(s.host.name);
  if (wipe && (await s.test(`test -e ${dataDir}`))) {
    s.log(`erasing ${dataDir} (${req.options?.wipeEtcd ? '--wipe-etcd' : 'the member left the cluster'})`);
    await s.sh(`rm -rf ${dataDir}`);
    changed = true;
  }
  return result(changed);
}

/** The Kubernetes packages released from their hold (purged with --purge, haproxy and etcd too). */
async function releasePackages(s: HostSession, req: HostRequest): Promise<StepResult> {
  const held = await heldPackages(s, KUBERNETES_PACKAGES);
  if (held.length) await s.sh(`apt-mark unhold ${held.join(' ')}`);
  if (!req.options?.purge) return result(held.length > 0);
  const candidates = [...KUBERNETES_PACKAGES, ...(s.spec.etcd.package ? [s.spec.etcd.package, 'etcd-client'] : [])];
  const missing = await missingPackages(s, candidates);
  const installed = candidates.filter((p) => !missing.includes(p));
  if (installed.length)
    await s.sh(`apt-get purge -y -q -o DPkg::Lock::Timeout=300 ${installed.map(shq).join(' ')}`, { timeoutMs: 10 * 60_000 });
  return result(held.length > 0 || installed.length > 0);
}

export const resetSteps = { kubeadmReset, removeWorkloadContainers, removeCniState, removeHaproxy, stopEtcd, releasePackages };
