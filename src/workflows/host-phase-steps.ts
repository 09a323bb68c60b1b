// What each phase does on one host, as a short list of steps. Compensations are registered
// before the step that may half-apply them; reboots go through ctx.reboot (operator approval).
import type { HostRequest, Compensation, StepResult } from '../activities/types';
import { patched } from '@temporalio/workflow';
import type { PhaseId } from './phases';
import { gate, long, quick } from './activity-options';

const KUBELET_CONFS = ['/etc/kubernetes/kubelet.conf', '/etc/kubernetes/bootstrap-kubelet.conf'];

export interface PhaseContext {
  req: HostRequest;
  /** Runs one named step (an activity) and records whether it changed anything. */
  step<T extends StepResult>(name: string, run: () => Promise<T>): Promise<T>;
  /** Registers an undo action (here and with the parent, for abort) before the risky step. */
  compensateWith(c: Omit<Compensation, 'host' | 'phase' | 'backupTag'>): Promise<void>;
  /** Waits for the operator's approval, then reboots the host and waits for it to come back. */
  reboot(reason: string): Promise<void>;
}

export const HOST_PHASE_STEPS: Record<PhaseId, (ctx: PhaseContext) => Promise<void>> = {
  async preflight({ req, step, compensateWith }) {
    await step('preflight checks', () => quick.preflight(req));
    await compensateWith({ description: 'restore /etc/fstab and turn swap back on', restoreFiles: ['/etc/fstab'], swapOn: true });
    await step('swap off, fstab edited', () => quick.disableSwap(req));
  },

  async kernel({ req, step, reboot: rebootHost }) {
    const installed = await step('backports kernel', () => long.installBackportsKernel(req));
    if (installed.rebootNeeded) await rebootHost('new kernel installed');
    await step('kernel version', () => quick.checkKernel(req));
  },

  async runtime({ req, step, compensateWith, reboot: rebootHost }) {
    await compensateWith({
      description: 'restore containerd config, modules and sysctl files; restart containerd',
      restoreFiles: ['/etc/containerd/config.toml', '/etc/modules-load.d/k8s.conf', '/etc/sysctl.d/99-kubernetes-cri.conf'],
      restartUnits: ['containerd'],
    });
    await step('kernel modules and sysctls', () => quick.applyKernelSettings(req));
    await step('containerd installed', () => long.installContainerd(req));
    await step('containerd configured (SystemdCgroup)', () => quick.configureContainerd(req));
    // Added after the first release: installs here may ask for a reboot too (Debian's /run/reboot-required).
    if (patched('reboot-check-after-runtime')) {
      const check = await quick.rebootRequired(req);
      if (check.required) await rebootHost(check.reason);
    }
  },

  async packages({ req, step, reboot: rebootHost }) {
    await step('kubelet, kubeadm, kubectl installed and held', () => long.installKubernetesPackages(req));
    const check = await quick.rebootRequired(req);
    if (check.required) await rebootHost(check.reason);
  },

  async etcd({ req, step, compensateWith }) {
    await compensateWith({
      description: 'stop etcd, restore its unit and settings',
      restoreFiles: ['/etc/systemd/system/etcd.service', '/etc/etcd/etcd.env', '/etc/hakube/etcd/docker-compose.yaml'],
      stopUnits: ['etcd'],
    });
    await step('etcd member started', () => long.startEtcd(req));
    await step('etcd cluster healthy', () => gate.etcdHealthy(req));
  },

  async 'init-first-master'({ req, step }) {
    await step('kubeadm init', () => long.kubeadmInit(req));
    await step('API server ready', () => gate.apiServerReady(req));
  },

  async cni({ req, step }) {
    await step('Calico applied with the interface autodetection', () => long.applyCni(req));
  },

  async 'join-masters'({ req, step }) {
    await step('kubeadm join --control-plane', () => long.joinNode(req));
    await step('node Ready', () => gate.nodeReady(req));
  },

  async 'join-workers'({ req, step }) {
    await step('kubeadm join', () => long.joinNode(req));
    await step('node Ready', () => gate.nodeReady(req));
  },

  async haproxy({ req, step, compensateWith }) {
    await compensateWith({
      description: 'restore haproxy.cfg, kubelet.conf and bootstrap-kubelet.conf; restart kubelet',
      restoreFiles: ['/etc/haproxy/haproxy.cfg', ...KUBELET_CONFS],
      restartUnits: ['kubelet'],
    });
    await step('haproxy on 127.0.0.1:6443', () => long.installHaproxy(req));
    await step('kubelet switched to https://127.0.0.1:6443', () => quick.switchKubeletToLocalProxy(req));
    await step('node Ready through haproxy', () => gate.nodeReady(req));
  },

  async 'verify-ha'({ req, step, compensateWith }) {
    await compensateWith({
      description: "put the first master's API server manifest back and start its kubelet",
      restoreFiles: ['/etc/kubernetes/manifests/kube-apiserver.yaml'],
      startUnits: ['kubelet'],
    });
    await step('workers stay Ready with the first master down', () => long.verifyHa(req));
  },

  async ingress({ req, step }) {
    await step('ingress controller and Service', () => long.applyIngress(req));
  },

  async dashboard({ req, step }) {
    await step('dashboard, NodePort Service, admin-user', () => long.applyDashboard(req));
  },
};

