import { activity, allHosts, always, rebootIfRequired, undoWith, type PhaseDeclaration } from '../phase-model';

export const runtime: PhaseDeclaration = {
  id: 'runtime',
  articleStep: 6,
  title: 'Container runtime: modules, sysctls, containerd with SystemdCgroup',
  hosts: allHosts,
  fanout: 'parallel',
  shouldRun: always,
  steps: [
    undoWith({
      restore: ['containerd-config', 'containerd-mirror', 'containerd-unit', 'kernel-modules', 'sysctl'],
      restart: ['containerd'],
    }),
    activity('applyKernelSettings', 'kernel modules and sysctls', 'quick', 'modprobe overlay br_netfilter; sysctl --system', {
      writes: ['kernel-modules', 'sysctl'],
    }),
    // Added later: every apt source first, so one `apt-get update` serves this phase's install and the next ones.
    activity(
      'addPackageSources',
      'package sources added',
      'quick',
      "add the Kubernetes repository's key (fingerprint checked against the pin) and source, and Docker's when packages.containerd is docker: one apt-get update then serves every install",
      { writes: ['apt-kubernetes', 'apt-docker'], patchId: 'package-sources-first' },
    ),
    activity(
      'installContainerd',
      'containerd installed',
      'long',
      "install containerd (source from packages.containerd: Docker's repository, its key checked against its pinned fingerprint; Debian's; or the release tarball into /usr/local with runc's binary, both sha256-checked, and containerd's own unit), and in the same apt run what later phases of this run install here: kubelet, kubeadm, kubectl (held), a worker's haproxy, a master's etcd (kept from starting); warn when containerd is older than Kubernetes needs",
      {
        writes: ['apt-docker', 'containerd-unit'],
      },
    ),
    activity(
      'configureContainerd',
      'containerd configured (SystemdCgroup)',
      'quick',
      'write /etc/containerd/config.toml, restart containerd, check it is active',
      {
        writes: ['containerd-config', 'containerd-mirror'],
      },
    ),
    // Added after the first release: installs here may ask for a reboot too.
    rebootIfRequired('reboot-check-after-runtime'),
  ],
};
