// Article step 3: the host is what the inventory says, and ready for Kubernetes.
import type { HostRequest, StepResult } from '../../contracts/activity-request';
import { result, type HostSession } from '../host/session';
import { ensurePackages } from '../host/packages';
import { parseKeyValues } from '../host/facts';
import { refuseSchemeSwitch } from '../host/etcd-pki';
import { remotePath } from '../../contracts/remote-files';
import { claimHost } from '../host/cluster-identity';

const FACTS =
  '. /etc/os-release; echo "id=$ID"; echo "codename=${VERSION_CODENAME:-}"; echo "pretty=$PRETTY_NAME"; ' +
  'echo "hostname=$(hostname)"; echo "ips=$(hostname -i 2>/dev/null)"; echo "cgroupfs=$(stat -fc %T /sys/fs/cgroup)"; ' +
  'echo "unified=$([ -d /sys/fs/cgroup/unified ] && echo yes)"';

async function preflight(s: HostSession, req: HostRequest): Promise<StepResult> {
  const facts = parseKeyValues(await s.sh(FACTS));
  const { host, spec } = s;
  if (facts.id !== 'debian') s.refuse(`runs ${facts.pretty}, hakube supports Debian only`);
  if (facts.codename !== spec.packages.debianRelease)
    s.refuse(`runs Debian ${facts.codename}, the inventory says packages.debianRelease: ${spec.packages.debianRelease}; fix one of them`);
  if (facts.hostname !== host.name)
    s.refuse(
      `\`hostname\` is "${facts.hostname}", the inventory calls it ${host.name}; set the hostname (hostnamectl set-hostname ${host.name}) or fix the inventory`,
    );
  if (!facts.ips.split(/\s+/).includes(host.address))
    s.refuse(
      `\`hostname -i\` gives "${facts.ips}", not ${host.address}: the API server would listen elsewhere; fix /etc/hosts (article step 3)`,
    );
  const cgroup = facts.cgroupfs === 'cgroup2fs' ? 'v2' : facts.unified === 'yes' ? 'hybrid' : 'v1';
  const warnings =
    cgroup === 'v2'
      ? []
      : [
          `cgroup ${cgroup}: the kubelet of Kubernetes 1.35+ refuses cgroup v1 unless failCgroupV1: false; boot with systemd.unified_cgroup_hierarchy=1`,
        ];
  // Before anything changes: an etcd member with data on the other scheme (etcd.tls flipped, or the
  // TLS default meeting a cluster installed without it) cannot be switched by a restart.
  if (host.role === 'master') {
    const settings = spec.etcd.mode === 'systemd' ? remotePath('etcd-env') : remotePath('etcd-compose');
    await refuseSchemeSwitch(s, settings);
  }
  // The last check, the first change: a host of another cluster is refused as it is.
  const claimed = await claimHost(s, req);
  const installed = await ensurePackages(s, ['curl', 'ca-certificates', 'gpg']);
  return result(installed || claimed, warnings);
}

/** Comments out swap lines in fstab (a backup is kept) and turns swap off. */
async function disableSwap(s: HostSession): Promise<StepResult> {
  const fstab = await s.read('fstab');
  const edited = fstab
    .split('\n')
    .map((line) => (/^\s*[^#\s]+\s+\S+\s+swap\s/.test(line) ? `# ${line}  # disabled by hakube: kubelet refuses swap` : line))
    .join('\n');
  const written = edited !== fstab && (await s.write('fstab', edited)).changed;
  const swapOn = (await s.sh('swapon --show --noheadings')).trim() !== '';
  if (swapOn) await s.sh('swapoff -a');
  return result(written || swapOn);
}

export const preflightSteps = { preflight, disableSwap };
