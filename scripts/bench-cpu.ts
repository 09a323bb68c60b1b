// CPU time for the bench, by consumer: the lab's hosts (their containers' cgroups), a process (hakube),
// the Temporal dev server. The lab's hosts share this machine's cores, so the CPU a run needed, divided
// by the cores, is the least wall time any orchestration could take for it here.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { devServerPidFile } from '../src/temporal/dev-server';

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** The cgroup CPU counter file of a container, found from its first process (cgroup v1 cpuacct or v2). */
function cgroupCpuFile(containerId: string): { file: string; unit: 'ns' | 'us' } | undefined {
  const pid = execFileSync('docker', ['inspect', '-f', '{{.State.Pid}}', containerId], { encoding: 'utf8' }).trim();
  // The container's own cgroup: its path up to the segment naming it (systemd inside adds init.scope below).
  const ownPath = (p: string) => {
    const parts = p.split('/');
    const i = parts.findIndex((s) => s.includes(containerId));
    return i < 0 ? p : parts.slice(0, i + 1).join('/');
  };
  const lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  for (const line of lines) {
    const [, controllers = '', p = ''] = line.split(':');
    if (controllers.split(',').includes('cpuacct')) {
      for (const dir of [controllers, 'cpuacct', 'cpu,cpuacct']) {
        const file = path.join('/sys/fs/cgroup', dir, ownPath(p), 'cpuacct.usage');
        if (fs.existsSync(file)) return { file, unit: 'ns' };
      }
    }
  }
  const unified = lines.find((l) => l.startsWith('0::'));
  const file = unified && path.join('/sys/fs/cgroup', ownPath(unified.slice(3)), 'cpu.stat');
  return file && fs.existsSync(file) ? { file, unit: 'us' } : undefined;
}

/**
 * The CPU counters of every running lab host (containers labelled hakube-lab=1), found once before a
 * timed run (docker is asked here, not while the run is timed); calling the result reads their sum in seconds.
 */
export function labHostsCpu(): () => number {
  const ids = execFileSync('docker', ['ps', '-q', '--no-trunc', '--filter', 'label=hakube-lab=1'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  const counters = ids.map((id) => {
    const counter = cgroupCpuFile(id);
    if (!counter) throw new Error(`no CPU counter found for lab container ${id.slice(0, 12)} (cgroup v1 cpuacct or v2 cpu.stat)`);
    return counter;
  });
  return () =>
    counters.reduce((sum, { file, unit }) => {
      const text = fs.readFileSync(file, 'utf8');
      return sum + (unit === 'ns' ? Number(text.trim()) / 1e9 : Number(/usage_usec (\d+)/.exec(text)?.[1] ?? 0) / 1e6);
    }, 0);
}

/** CPU seconds a process and its reaped children have used, or undefined once it has exited. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): utime stime cutime cstime are 14-17 of the whole line.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return fields.slice(11, 15).reduce((a, b) => a + Number(b), 0) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** The embedded Temporal dev server's PID (`hakube server start` writes it), if it runs. */
export function temporalServerPid(): number | undefined {
  const file = devServerPidFile();
  const pid = fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').trim()) : NaN;
  return Number.isInteger(pid) && processCpuSeconds(pid) !== undefined ? pid : undefined;
}
