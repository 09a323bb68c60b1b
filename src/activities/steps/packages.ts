// Article step 6: kubelet, kubeadm, kubectl from the per-minor repository (or a mirror), held.
import type { RebootCheck, StepResult } from '../types';
import { result, type HostSession } from '../host-session';
import { ensureKey, ensurePackages } from './apt';

const KUBE_PACKAGES = ['kubelet', 'kubeadm', 'kubectl'];

export async function installKubernetesPackages(s: HostSession): Promise<StepResult> {
  const { packages } = s.spec;
  const key = await ensureKey(s, packages.kubernetesRepoKey, '/etc/apt/keyrings/kubernetes-apt-keyring.asc');
  const source = await s.writeRendered('apt-kubernetes');
  const pin = packages.kubernetesPackageVersion ? `=${packages.kubernetesPackageVersion}` : '';
  const installed = await ensurePackages(s, KUBE_PACKAGES.map((p) => `${p}${pin}`));
  const held = (await s.sh('apt-mark showhold')).split('\n');
  const toHold = KUBE_PACKAGES.filter((p) => !held.includes(p));
  if (toHold.length) await s.sh(`apt-mark hold ${toHold.join(' ')}`);
  await s.sh('systemctl enable kubelet >/dev/null 2>&1 || true');
  const version = (await s.sh("dpkg-query -W -f='${Version}' kubeadm")).trim();
  const changed = key || source.changed || installed || toHold.length > 0;
  return result(changed, `kubelet/kubeadm/kubectl ${version}${changed ? ' installed and held' : ' already installed and held'}`);
}

export async function rebootRequired(s: HostSession): Promise<RebootCheck> {
  const r = await s.probe('test -f /run/reboot-required && { cat /run/reboot-required.pkgs 2>/dev/null | tr "\\n" " "; true; }');
  if (r.code !== 0) return { required: false, reason: '' };
  const pkgs = r.stdout.trim();
  return { required: true, reason: `/run/reboot-required${pkgs ? ` by ${pkgs}` : ''}` };
}
