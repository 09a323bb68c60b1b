// packages.containerd: tarball — containerd as its project publishes it for Linux: the release tarball
// unpacked into /usr/local (bin/containerd, containerd-shim-runc-v2, ctr), runc's release binary as
// /usr/local/sbin/runc, and containerd's own systemd unit (containerd's "Getting started", option 1).
// Both downloads are sha256-checked on the host before use. What was installed is recorded by its pins,
// so a re-run with the same pins does nothing and a changed pin installs again (an upgrade).
import { shq } from '../ssh/shell';
import type { HostSession } from './session';
import { withVerifiedDownload } from './verified-download';

const RECORD = '/var/lib/hakube/containerd-tarball';
const RUNC = '/usr/local/sbin/runc';

/** True when anything changed (binaries or the unit); a running containerd is restarted on new binaries. */
export async function installContainerdTarball(s: HostSession): Promise<boolean> {
  const { containerdTarball, runc } = s.spec.packages;
  if (!containerdTarball || !runc)
    s.refuse(
      'packages.containerd: tarball needs packages.containerdTarballUrl and packages.runcUrl (with their sha256)',
      'HostNotSuitable',
    );
  // (Not a hash at a line's end: that is masked in logs as a kubeadm certificate key would be.)
  const wanted = `tarball-sha256=${containerdTarball.sha256} runc-sha256=${runc.sha256} installed`;
  const have = await s.probe(`cat ${RECORD} && test -x /usr/local/bin/containerd && test -x ${RUNC}`);
  let binaries = false;
  if (have.code !== 0 || have.stdout.trim() !== wanted) {
    await withVerifiedDownload(s, containerdTarball, (file) => s.sh(`tar -C /usr/local -xzf ${shq(file)} bin/`, { timeoutMs: 5 * 60_000 }));
    await withVerifiedDownload(s, runc, (file) => s.sh(`install -m 755 ${shq(file)} ${RUNC}`));
    await s.sh(`mkdir -p "$(dirname ${RECORD})" && printf '%s\\n' ${shq(wanted)} > ${RECORD}`);
    binaries = true;
  }
  const unit = await s.writeRendered('containerd-unit');
  if (unit.changed) await s.sh('systemctl daemon-reload');
  // New binaries under a running containerd: it runs them after a restart (its containers keep running: KillMode=process).
  if (binaries) await s.sh('systemctl try-restart containerd');
  return binaries || unit.changed;
}
