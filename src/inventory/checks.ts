// Checks that span several fields, which a schema cannot express. Each returns every problem
// it finds (not just the first), so the user fixes the file in one go.
import type { ClusterInput } from './schema';
import type { Problem } from './problems';
import { cidrRange, contains, overlaps } from './cidr';
import { pinProblems } from './pins';

export function crossFieldProblems(input: ClusterInput): Problem[] {
  return [
    ...duplicateHosts(input),
    ...etcdMembers(input),
    ...etcdImageArchive(input),
    ...networkOverlaps(input),
    ...unsupportedChoices(input),
    ...pinProblems(input),
  ];
}

function duplicateHosts(input: ClusterInput): Problem[] {
  const problems: Problem[] = [];
  for (const key of ['name', 'address'] as const) {
    const firstIndex = new Map<string, number>();
    input.hosts.forEach((host, i) => {
      const seen = firstIndex.get(host[key]);
      if (seen === undefined) firstIndex.set(host[key], i);
      else
        problems.push({
          field: `hosts[${i}].${key}`,
          value: host[key],
          message: `duplicate: hosts[${seen}] already has this ${key}; every host needs its own`,
        });
    });
  }
  return problems;
}

function etcdMembers(input: ClusterInput): Problem[] {
  const masters = input.hosts.filter((h) => h.role === 'master').length;
  if (masters === 0)
    return [{ field: 'hosts', message: 'no host has role: master; etcd and the control plane need 1 or 3 (or 5) masters' }];
  if (masters % 2 === 0)
    return [
      {
        field: 'hosts',
        value: `${masters} masters`,
        message: `etcd runs on every master and needs an odd number of members for quorum (${masters} tolerates no more failures than ${masters - 1}); use ${masters - 1} or ${masters + 1} masters`,
      },
    ];
  return [];
}

function etcdImageArchive(input: ClusterInput): Problem[] {
  const { imageArchiveUrl, imageArchiveSha256 } = input.etcd;
  if (imageArchiveUrl && !imageArchiveSha256)
    return [
      {
        field: 'etcd.imageArchiveSha256',
        message: `required with etcd.imageArchiveUrl: the archive is loaded into docker as root only when its sha256 matches (sha256sum of the file)`,
      },
    ];
  if (imageArchiveSha256 && !imageArchiveUrl)
    return [{ field: 'etcd.imageArchiveUrl', message: 'missing: etcd.imageArchiveSha256 is given but no archive URL to check it against' }];
  return [];
}

function networkOverlaps(input: ClusterInput): Problem[] {
  const problems: Problem[] = [];
  const { podSubnet, serviceSubnet, hostSubnets } = input.network;
  const pod = cidrRange(podSubnet);
  const svc = cidrRange(serviceSubnet);
  // kubeadm's controller-manager gives every node a /24 out of the pod subnet.
  const podPrefix = Number(podSubnet.split('/')[1]);
  if (podPrefix > 24 || 2 ** (24 - podPrefix) < input.hosts.length)
    problems.push({
      field: 'network.podSubnet',
      value: podSubnet,
      message: `too small: every node gets a /24 of it, so ${input.hosts.length} hosts need at least a /${24 - Math.ceil(Math.log2(input.hosts.length))}; use e.g. 192.168.0.0/16`,
    });
  if (overlaps(pod, svc))
    problems.push({
      field: 'network.serviceSubnet',
      value: serviceSubnet,
      message: `overlaps network.podSubnet ${podSubnet}; pick disjoint ranges`,
    });
  hostSubnets.forEach((cidr, i) => {
    for (const [name, range, text] of [
      ['podSubnet', pod, podSubnet],
      ['serviceSubnet', svc, serviceSubnet],
    ] as const)
      if (overlaps(cidrRange(cidr), range))
        problems.push({
          field: `network.hostSubnets[${i}]`,
          value: cidr,
          message: `overlaps network.${name} ${text}: pods or services would shadow the hosts; change network.${name}`,
        });
  });
  input.hosts.forEach((host, i) => {
    for (const [name, range, text] of [
      ['podSubnet', pod, podSubnet],
      ['serviceSubnet', svc, serviceSubnet],
    ] as const)
      if (contains(range, host.address))
        problems.push({
          field: `hosts[${i}].address`,
          value: host.address,
          message: `lies inside network.${name} ${text}: the host network would overlap the ${name === 'podSubnet' ? 'pod' : 'service'} network; change network.${name}`,
        });
  });
  return problems;
}

function unsupportedChoices(input: ClusterInput): Problem[] {
  const problems: Problem[] = [];
  if (input.packages.containerd === 'tarball')
    problems.push({
      field: 'packages.containerd',
      value: 'tarball',
      message: 'installing containerd from release tarballs is not implemented yet; use "docker" (containerd.io 2.x) or "debian"',
    });
  return problems;
}
