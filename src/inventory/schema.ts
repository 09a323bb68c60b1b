// The cluster.yaml schema. One zod schema is the single source of truth: it validates the
// file, gives the ClusterInput type, and is exported as JSON Schema for editors
// (schema/cluster.schema.json, written by `npm run schema`).
// Every object is strict so a typo ("ssh.usr") is refused instead of silently ignored.
import { z } from 'zod';
import { SUPPORTED_KUBERNETES_MINORS, DEFAULT_KUBERNETES_VERSION } from './versions';

const hostName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a lowercase RFC 1123 host name (letters, digits, "-")');

const port = z.number().int().min(1).max(65535);

import {
  absolutePath,
  aptSuite,
  debianPackage,
  debianVersion,
  hostAddress,
  imageReference,
  imageRepository,
  keyFingerprint,
  nodePort,
  posixUser,
  sha256Pin,
  sha256Hex,
  token,
  url,
} from './value-types';

export const sshSettings = z.strictObject({
  user: posixUser.optional().describe('SSH login user (default root)'),
  port: port.optional().describe('SSH port (default 22)'),
  keyPath: z.string().min(1).optional().describe('private key file; relative paths are relative to cluster.yaml'),
  sudo: z.boolean().optional().describe('run commands with sudo -n (default: true unless user is root)'),
  strictHostKeyChecking: z
    .boolean()
    .optional()
    .describe('refuse hosts whose key is not in knownHostsFile yet (seed it with ssh-keyscan); default: record on first contact'),
});

export const hostSchema = z.strictObject({
  name: hostName.describe('host name; must equal `hostname` on the machine'),
  address: hostAddress.describe('address the API server / etcd listen on (`hostname -i`)'),
  role: z.enum(['master', 'worker']),
  interface: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,15}$/, 'must be a network interface name such as ens19 or eth0')
    .optional()
    .describe('NIC carrying cluster traffic, for Calico address autodetection (default: network.interface)'),
  ssh: sshSettings.optional().describe('overrides of the top-level ssh settings for this host'),
});

const versionString = z
  .string()
  .regex(/^1\.\d+(\.\d+)?$/, 'must look like 1.37 or 1.37.1')
  .refine((v) => SUPPORTED_KUBERNETES_MINORS.includes(v.split('.').slice(0, 2).join('.')), {
    error: `is not supported: hakube installs Kubernetes ${SUPPORTED_KUBERNETES_MINORS.join(', ')}`,
  });

export const clusterInputSchema = z.strictObject({
  name: hostName.describe('cluster name; also the Temporal workflow id, so one install runs per cluster'),
  kubernetesVersion: versionString.default(DEFAULT_KUBERNETES_VERSION),
  ssh: sshSettings.prefault({}),
  knownHostsFile: z
    .string()
    .refine((p) => !/^\/dev\//.test(p), { error: 'must be a file: a device such as /dev/null would turn host key checking off' })
    .default('~/.hakube/known_hosts')
    .describe('where host keys are recorded on first contact and checked afterwards'),
  hosts: z.array(hostSchema).min(1),
  network: z
    .strictObject({
      podSubnet: z.cidrv4({ error: 'must be an IPv4 CIDR such as 192.168.0.0/16' }).default('192.168.0.0/16'),
      serviceSubnet: z
        .cidrv4({ error: 'must be an IPv4 CIDR such as 10.96.0.0/12' })
        .refine((c) => Number(c.split('/')[1]) >= 12 && Number(c.split('/')[1]) <= 24, {
          error: 'must be between a /12 (the largest kube-apiserver accepts) and a /24',
        })
        .default('10.96.0.0/12'),
      interface: z
        .string()
        .regex(/^[A-Za-z0-9_.:-]{1,15}$/)
        .optional()
        .describe('default NIC for all hosts'),
      hostSubnets: z
        .array(z.cidrv4({ error: 'must be an IPv4 CIDR' }))
        .default([])
        .describe("the hosts' own networks; checked not to overlap pod and service subnets"),
    })
    .prefault({}),
  controlPlaneEndpoint: z
    .string()
    .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be host or host:port')
    .refine((v) => !v.includes(':') || (Number(v.split(':')[1]) >= 1 && Number(v.split(':')[1]) <= 65535), {
      error: 'the port must be 1-65535',
    })
    .optional()
    .describe('address kubelets and kubectl use for the API; default: first master address:6443 (as in the article)'),
  etcd: z
    .strictObject({
      mode: z.enum(['systemd', 'docker-compose']).default('systemd'),
      tls: z
        .boolean()
        .default(true)
        .describe(
          "client and peer TLS with certificate authentication (an etcd CA on the first master); false is the article's plain HTTP, where anyone reaching :2379 reads every Secret",
        ),
      clusterToken: token(8, 64).default('hakube-etcd-cluster'),
      binary: absolutePath.default('/usr/bin/etcd').describe('etcd binary for the systemd variant'),
      package: debianPackage.default('etcd-server').describe('Debian package that provides the etcd binary; "" to skip'),
      image: imageReference.default('quay.io/coreos/etcd:v3.6.17').describe('etcd image for the docker-compose variant'),
      imageArchiveUrl: url
        .optional()
        .describe(
          'a `docker save` archive holding etcd.image, for sites without a registry (docker-compose variant): downloaded, checked against imageArchiveSha256 and `docker load`ed on each master',
        ),
      imageArchiveSha256: sha256Hex.optional().describe('sha256 of the file at imageArchiveUrl (required with it)'),
    })
    .prefault({}),
  packages: z
    .strictObject({
      kubernetesRepo: url.optional().describe('apt repository of kubelet/kubeadm/kubectl; default pkgs.k8s.io per minor'),
      kubernetesRepoKey: url.optional().describe('its signing key (ASCII armored); default pkgs.k8s.io Release.key for the minor'),
      kubernetesRepoKeyFingerprint: keyFingerprint
        .optional()
        .describe(
          "fingerprint of the primary key kubernetesRepoKey must hold (checked on the host before apt trusts it); required when kubernetesRepoKey is set; default: pkgs.k8s.io's key",
        ),
      kubernetesRepoSuite: aptSuite.default('/').describe('suite line of the repository ("/" for pkgs.k8s.io)'),
      kubernetesPackageVersion: debianVersion.optional().describe('exact Debian version to pin, e.g. 1.37.1-1.1'),
      containerd: z
        .enum(['docker', 'debian', 'tarball'])
        .default('docker')
        .describe(
          "where containerd comes from: Docker's containerd.io repo, Debian (1.6/1.7: too old for Kubernetes 1.36+), or release tarballs",
        ),
      dockerRepo: url.default('https://download.docker.com/linux/debian'),
      dockerRepoKey: url.optional().describe("its signing key; default Docker's https://download.docker.com/linux/debian/gpg"),
      dockerRepoKeyFingerprint: keyFingerprint
        .optional()
        .describe("fingerprint of the primary key dockerRepoKey must hold; required when dockerRepoKey is set; default: Docker's key"),
      containerdTarballUrl: url
        .optional()
        .describe(
          'containerd release tarball as upstream publishes it (bin/containerd, bin/containerd-shim-runc-v2, bin/ctr), unpacked into /usr/local (containerd: tarball)',
        ),
      containerdTarballSha256: sha256Pin.optional().describe('sha256 of the file at containerdTarballUrl; required with it'),
      runcUrl: url.optional().describe("runc's release binary (runc.amd64), installed as /usr/local/sbin/runc (containerd: tarball)"),
      runcSha256: sha256Pin.optional().describe('sha256 of the file at runcUrl; required with it'),
      debianMirror: url.default('http://deb.debian.org/debian').describe('mirror for backports (kernel phase)'),
      debianRelease: z.enum(['bookworm', 'trixie']).default('bookworm').describe('Debian release of the hosts (checked by preflight)'),
    })
    .prefault({}),
  kernel: z
    .strictObject({
      upgrade: z.boolean().default(false).describe('install the backports kernel and reboot (each reboot waits for approval)'),
      minVersion: z
        .string()
        .regex(/^\d+\.\d+$/, 'must look like 4.18')
        .default('4.18'),
    })
    .prefault({}),
  cni: z
    .strictObject({
      plugin: z
        .enum(['calico', 'flannel'])
        .default('calico')
        .describe(
          "the article's Calico, or flannel (VXLAN; its upstream kube-flannel.yml, the pod network and interface set from network.*)",
        ),
      install: z.enum(['manifest', 'operator']).default('manifest'),
      manifestUrl: url
        .optional()
        .describe(
          "the CNI's manifest: Calico's (install: manifest; default calico.yaml of Calico v3.32.1) or flannel's (default kube-flannel.yml of flannel v0.28.11)",
        ),
      manifestSha256: sha256Pin.optional().describe('sha256 of the file at manifestUrl; required when manifestUrl is set'),
      operatorCrdsUrl: url
        .optional()
        .describe("the Tigera operator's CRDs (install: operator), applied before it; default operator-crds.yaml of Calico v3.32.1"),
      operatorCrdsSha256: sha256Pin.optional().describe('sha256 of the file at operatorCrdsUrl; required when operatorCrdsUrl is set'),
      operatorUrl: url
        .optional()
        .describe("the Tigera operator's manifest (install: operator); default tigera-operator.yaml of Calico v3.32.1"),
      operatorSha256: sha256Pin.optional().describe('sha256 of the file at operatorUrl; required when operatorUrl is set'),
    })
    .prefault({}),
  ingress: z
    .strictObject({
      controller: z
        .enum(['ingress-nginx', 'contour', 'none'])
        .default('contour')
        .describe("ingress-nginx (the article's, retired upstream March 2026) or Contour (maintained, CNCF)"),
      manifestUrl: url
        .optional()
        .describe('controller manifest; default per controller (ingress-nginx controller-v1.15.1, Contour v1.33.6)'),
      manifestSha256: sha256Pin.optional().describe('sha256 of the file at manifestUrl; required when manifestUrl is set'),
      httpNodePort: nodePort.optional(),
      httpsNodePort: nodePort.optional(),
    })
    .prefault({}),
  dashboard: z
    .strictObject({
      kind: z
        .enum(['kubernetes-dashboard', 'headlamp', 'none'])
        .default('headlamp')
        .describe("kubernetes-dashboard (the article's, archived January 2026) or Headlamp (its successor)"),
      manifestUrl: url.optional().describe('dashboard manifest; default per kind (kubernetes-dashboard v2.7.0, Headlamp v0.45.0)'),
      manifestSha256: sha256Pin.optional().describe('sha256 of the file at manifestUrl; required when manifestUrl is set'),
      nodePort: nodePort.default(30443),
    })
    .prefault({}),
  kubeadm: z
    .strictObject({
      imageRepository: imageRepository
        .optional()
        .describe(
          "registry and path kubeadm takes the control plane's, kube-proxy's, CoreDNS's and pause's images from (its imageRepository); default registry.k8s.io",
        ),
      ignorePreflightErrors: z
        .array(
          z
            .string()
            .regex(
              /^([A-Z][A-Za-z0-9]*(-[A-Za-z0-9.]+)*|all)$/,
              'must be a kubeadm preflight check name such as Swap or FileContent--proc-sys-net-ipv4-ip_forward',
            ),
        )
        .default([])
        .describe(
          'kubeadm preflight checks whose errors init and join ignore (nodeRegistration.ignorePreflightErrors); kubelet.failCgroupV1: false adds SystemVerification',
        ),
    })
    .prefault({}),
  kubelet: z
    .strictObject({
      failCgroupV1: z
        .boolean()
        .default(true)
        .describe(
          "the kubelet refuses to start on cgroup v1 or hybrid hosts (its default since 1.35); false lets it run there (and ignores kubeadm's SystemVerification check, which refuses them too), for hosts that cannot boot cgroup v2 yet",
        ),
      resolvConf: absolutePath
        .optional()
        .describe(
          "the resolv.conf the kubelet gives pods with dnsPolicy Default, CoreDNS's upstreams among them (KubeletConfiguration resolvConf); for hosts whose /etc/resolv.conf names a loopback resolver (systemd-resolved's 127.0.0.53, docker's 127.0.0.11), which CoreDNS would forward to itself",
        ),
    })
    .prefault({}),
  kubeProxy: z
    .strictObject({
      conntrackMaxPerCore: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe(
          "kube-proxy's conntrack.maxPerCore; 0 leaves the host's nf_conntrack_max alone (hosts that are containers, whose /proc/sys kube-proxy may not write)",
        ),
    })
    .prefault({}),
  containerd: z
    .strictObject({
      registryMirror: url
        .optional()
        .describe(
          'a registry every image pull tries first, for any registry (containerd hosts.toml in /etc/containerd/certs.d/_default), e.g. an air-gapped mirror holding the images under their upstream paths; http:// for a plain-HTTP registry',
        ),
      registryMirrorSkipVerify: z
        .boolean()
        .default(false)
        .describe("don't verify the mirror's TLS certificate (a self-signed lab registry)"),
      restrictOomScoreAdj: z
        .boolean()
        .default(false)
        .describe(
          "containerd's restrict_oom_score_adj: containers get no lower OOM score than containerd's own, for hosts without CAP_SYS_RESOURCE (LXC, systemd-in-docker)",
        ),
      privilegedWithoutHostDevices: z
        .boolean()
        .default(false)
        .describe(
          "containerd's privileged_without_host_devices: privileged pods get no host devices, for hosts whose device cgroup is a whitelist (LXC, systemd-in-docker)",
        ),
    })
    .prefault({}),
  verify: z
    .strictObject({
      ha: z
        .boolean()
        .default(true)
        .describe(
          "after the install, stop the first master's API server and check every worker's kubelet reaches another one through haproxy (its node Lease renewed)",
        ),
    })
    .prefault({}),
});

export type ClusterInput = z.output<typeof clusterInputSchema>;
export type HostInput = z.output<typeof hostSchema>;
export type SshSettings = z.output<typeof sshSettings>;
