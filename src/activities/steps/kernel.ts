// Article step 5: a newer kernel from backports (the article's docker bug before 4.18). The reboot
// itself is the reboot step's, after the operator's approval.
import type { StepResult } from '../../contracts/activity-request';
import { result, type HostSession } from '../host/session';
import { installedVersion, rebootRequiredBy } from '../host/packages';
import { versionAtLeast } from '../host/versions';
import { writeOwingApply } from '../host/owed-apply';

async function installBackportsKernel(s: HostSession): Promise<StepResult & { rebootNeeded: boolean }> {
  const source = await writeOwingApply(s, 'apt-update', async () => [await s.writeRendered('apt-backports')]);
  if (source.mustApply) await s.sh('apt-get update -q', { timeoutMs: 10 * 60_000 });
  await source.settled();
  const before = await installedVersion(s, 'linux-image-amd64');
  await s.sh(`apt-get install -y -q -t ${s.spec.packages.debianRelease}-backports linux-image-amd64`, { timeoutMs: 20 * 60_000 });
  const after = await installedVersion(s, 'linux-image-amd64');
  const rebootNeeded = (await rebootRequiredBy(s)).required;
  return { ...result(before !== after), rebootNeeded };
}

async function checkKernel(s: HostSession): Promise<StepResult> {
  const running = (await s.sh('uname -r')).trim();
  if (!versionAtLeast(running, s.spec.kernel.minVersion))
    throw new Error(`${s.host.name}: kernel ${running} is older than kernel.minVersion ${s.spec.kernel.minVersion}`);
  return result(false);
}

export const kernelSteps = { installBackportsKernel, checkKernel };
