// npm run bench [-- --workers N] [--no-real]: how long hakube takes in the lab, measured the way a user runs it.
// Four phases on blank hosts (`--only preflight,runtime,packages,etcd`), a fresh 3+3 install (`hakube up`
// on blank hosts), a no-op re-run of it, and with --workers N a fresh
// 3+N install, then a fresh 3+3 install and its no-op re-run on the real lane (real Kubernetes, not with
// --no-real); for each, every phase's wall time, the time inside activities on its critical path (the
// slowest host of a parallel phase, the sum of a one-at-a-time phase) and the rest (orchestration:
// workflow tasks, signals, child workflow starts), read from Temporal by `hakube status --timing -o json`.
// Prints Markdown tables and writes them, with the machine's description, to docs/bench.md.
// Timing goals live here, never in tests.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { INSTALL } from '../src/workflows/operations';
import { phaseNeeds } from '../src/workflows/phase-model';
import type { OperationTiming } from '../src/temporal/timing';
import { workflowBundle } from '../src/temporal/workflow-bundle';
import { labHostsCpu, processCpuSeconds, temporalServerPid } from './bench-cpu';

const ROOT = path.resolve(__dirname, '..');
const HAKUBE = path.join(ROOT, 'bin/hakube');
const REAL_LANE = 'real lane';
const workersArg = process.argv.indexOf('--workers');
const bigWorkers = workersArg > 0 ? Number(process.argv[workersArg + 1]) : 0;
if (!Number.isInteger(bigWorkers) || bigWorkers < 0 || bigWorkers > 60) throw new Error('--workers N: 0..60');

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

interface Measured {
  name: string;
  commandSeconds: number;
  /** The `hakube up` process's peak resident memory (VmHWM), MB. */
  peakRssMb: number;
  /** The whole machine's CPU counters while it ran (the lab's hosts share its cores). */
  cpu: CpuSample[];
  /** CPU seconds used while it ran, by consumer (bench-cpu.ts). */
  cpuUsed: CpuUsed;
  timing: OperationTiming;
}

interface CpuUsed {
  hosts: number;
  hakube: number;
  temporal: number;
}

/** /proc/stat's first line: jiffies spent busy and in all, at a moment. */
interface CpuSample {
  at: number;
  busy: number;
  total: number;
}

function cpuSample(): CpuSample {
  // user nice system idle iowait irq softirq steal (guest time is inside user already: not added again)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fs
    .readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  // Steal counts as busy: time this machine wanted its cores and the hypervisor ran something else.
  const busy = user + nice + system + irq + softirq + steal;
  return { at: Date.now(), busy, total: busy + idle + iowait };
}

/** Share of the machine's CPU time that was busy between two moments (the samples around them), or undefined. */
function busyShare(samples: CpuSample[], from: number, to: number): number | undefined {
  const a = [...samples].reverse().find((x) => x.at <= from) ?? samples[0];
  const b = samples.find((x) => x.at >= to) ?? samples.at(-1);
  if (!a || !b || b.total <= a.total) return undefined;
  return (b.busy - a.busy) / (b.total - a.total);
}

/** Runs a command to its end (at most 30 min: a command that does not exit fails the bench), sampling its peak RSS and the machine's CPU. */
async function timed(cmd: string, args: string[]): Promise<{ seconds: number; peakRssMb: number; cpu: CpuSample[]; cpuUsed: CpuUsed }> {
  const hostsCpu = labHostsCpu();
  const temporal = temporalServerPid();
  const before = { hosts: hostsCpu(), temporal: temporal ? processCpuSeconds(temporal)! : 0 };
  const started = Date.now();
  const cpu = [cpuSample()];
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  let peakKb = 0;
  let hakubeCpu = 0; // its last sample before it exited (every 250 ms)
  const sample = () => {
    cpu.push(cpuSample());
    hakubeCpu = processCpuSeconds(child.pid!) ?? hakubeCpu;
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
    } catch {
      /* exited */
    }
  };
  const sampler = setInterval(sample, 250);
  const limit = setTimeout(() => child.kill('SIGTERM'), 30 * 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const seconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  clearTimeout(limit);
  cpu.push(cpuSample());
  const cpuUsed = {
    hosts: hostsCpu() - before.hosts,
    hakube: hakubeCpu,
    temporal: temporal ? (processCpuSeconds(temporal) ?? before.temporal) - before.temporal : 0,
  };
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${code} (killed after 30 min if it did not exit)`);
  return { seconds, peakRssMb: peakKb / 1024, cpu, cpuUsed };
}

/** `hakube up` on the lab's inventory, timed as a whole, then its timings read back from Temporal. */
async function up(name: string, extra: string[] = []): Promise<Measured> {
  const {
    seconds: commandSeconds,
    peakRssMb,
    cpu,
    cpuUsed,
  } = await timed(HAKUBE, ['up', '-f', 'lab/cluster.yaml', '--auto-approve-reboots', ...extra]);
  const json = execFileSync(HAKUBE, ['status', '-f', 'lab/cluster.yaml', '--timing', '-o', 'json'], { cwd: ROOT, encoding: 'utf8' });
  return { name, commandSeconds, peakRssMb, cpu, cpuUsed, timing: JSON.parse(json) as OperationTiming };
}

/**
 * Time inside activities along the run's critical path: phases that do not need each other run at once
 * (phaseNeeds), so it is the longest chain of needs, each phase counted with its own critical path; the
 * run's own steps (the state record's check and write) come before and after every phase.
 */
function criticalPath(rows: { id: string; inside: number }[]): number {
  const phases = INSTALL.filter((d) => rows.some((r) => r.id === d.id));
  const needs = phaseNeeds(INSTALL, phases);
  const insideOf = new Map(rows.map((r) => [r.id, r.inside]));
  // A phase may need one listed after it (the HA check needs the dashboard): evaluated by need, not by list order.
  const upTo = (id: string): number => insideOf.get(id)! + Math.max(0, ...needs.get(id)!.map(upTo));
  const own = rows.filter((r) => !INSTALL.some((d) => d.id === r.id)).reduce((a, r) => a + r.inside, 0);
  return own + Math.max(0, ...phases.map((p) => upTo(p.id)));
}

/** Per phase: wall, inside activities on the critical path, orchestration (the difference). */
function table(m: Measured): string {
  const rows = m.timing.phases.map((p) => {
    const fanout = INSTALL.find((d) => d.id === p.id)?.fanout ?? 'parallel';
    const perHost = Object.keys(p.hosts).map((h) =>
      m.timing.steps.filter((s) => s.phase === p.id && s.host === h).reduce((sum, s) => sum + s.seconds, 0),
    );
    // The run's own activities (the state record, host '-'), all at once: the slowest is the critical path.
    const own = m.timing.steps.filter((s) => s.phase === p.id && s.host === '-').map((s) => s.seconds);
    const inside = own.length ? Math.max(...own) : fanout === 'parallel' ? Math.max(0, ...perHost) : perHost.reduce((a, b) => a + b, 0);
    const from = Date.parse(m.timing.startedAt) + p.startSeconds * 1000;
    const busy = busyShare(m.cpu, from, from + p.wallSeconds * 1000);
    return { id: p.id, hosts: own.length || perHost.length, wall: p.wallSeconds, inside: Math.min(inside, p.wallSeconds), busy };
  });
  const percent = (x: number | undefined) => (x === undefined ? '-' : (100 * x).toFixed(0));
  const runStart = Date.parse(m.timing.startedAt);
  const wall = m.timing.wallSeconds ?? 0;
  const inside = criticalPath(rows);
  const f = (s: number) => s.toFixed(1);
  return [
    `### ${m.name}: command ${f(m.commandSeconds)} s, workflow ${f(wall)} s, orchestration ${f(wall - inside)} s (${((100 * (wall - inside)) / wall).toFixed(0)} %)`,
    '',
    `hakube's peak RSS ${m.peakRssMb.toFixed(0)} MB; largest history ${(m.timing.largestHistory.bytes / 2 ** 20).toFixed(2)} MB ` +
      `(${m.timing.largestHistory.events} events, ${m.timing.largestHistory.workflowId}); the command ended ` +
      `${f(m.commandSeconds - wall)} s after the workflow's own time (start-up, worker, exit). The machine's CPU was ` +
      `${percent(busyShare(m.cpu, runStart, runStart + wall * 1000))} % busy during the run (all ${os.cpus().length} cores; the lab's hosts share them).`,
    '',
    cpuFloor(m),
    '',
    '| phase | hosts | wall (s) | inside activities (s) | orchestration (s) | CPU busy (%) |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.id} | ${r.hosts} | ${f(r.wall)} | ${f(r.inside)} | ${f(r.wall - r.inside)} | ${percent(r.busy)} |`),
    '',
    'Slowest steps:',
    '',
    ...m.timing.steps
      .slice(0, 8)
      .map((s) => `- ${f(s.seconds)} s ${s.phase} on ${s.host}: ${s.step}${s.attempts > 1 ? ` (${s.attempts} attempts)` : ''}`),
    '',
  ].join('\n');
}

/** What the run's CPU needs allow on this machine: the lab's hosts share its cores, so no run of this work is shorter. */
function cpuFloor(m: Measured): string {
  const { hosts, hakube, temporal } = m.cpuUsed;
  const cores = os.cpus().length;
  const n = new Set(m.timing.steps.map((s) => s.host).filter((h) => h !== '-')).size;
  return (
    `CPU used while the command ran: the lab's hosts ${hosts.toFixed(1)} s (${n ? (hosts / n).toFixed(1) : '-'} s a host), ` +
    `hakube ${hakube.toFixed(1)} s, the Temporal server ${temporal.toFixed(1)} s: on ${cores} cores no run of this work ` +
    `takes less than ${((hosts + hakube + temporal) / cores).toFixed(1)} s here (on machines of their own, each host needs only its own share).`
  );
}

async function main(): Promise<void> {
  const measured: Measured[] = [];
  run('bash', ['scripts/setup.sh']);
  run(HAKUBE, ['server', 'start']);
  // The workflow bundle is built by the first command of each hakube version and cached: built here, so
  // every measured `up` (its time, its peak RSS) is one of the many a version runs, not its first.
  await workflowBundle();
  // The part of the install the issue compares with the tutorial's Ansible playbooks, on blank hosts.
  run('bash', ['lab/lab.sh', 'up', '--fresh']);
  measured.push(await up('preflight, runtime, packages, etcd on blank 3+3 hosts (--only)', ['--only', 'preflight,runtime,packages,etcd']));
  run('bash', ['lab/lab.sh', 'up', '--fresh']);
  measured.push(await up('fresh 3+3 install'));
  measured.push(await up('no-op re-run on the installed 3+3'));
  if (bigWorkers) {
    run('bash', ['lab/lab.sh', 'up', '--fresh', '--workers', String(bigWorkers)]);
    measured.push(await up(`fresh 3+${bigWorkers} install`));
    run('bash', ['lab/lab.sh', 'up', '--fresh']);
  }
  // The same install on the real lane: kubeadm, the kubelet, the control plane, containerd and etcd built
  // from their upstream modules (lab/real), served as an air-gapped mirror serves them. Then the lab back
  // on the stand-in lane, as the bench found it.
  if (!process.argv.includes('--no-real')) {
    run('bash', ['lab/lab.sh', 'up', '--fresh', '--kubernetes', 'real']);
    measured.push(await up(`${REAL_LANE}: fresh 3+3 install`));
    measured.push(await up(`${REAL_LANE}: no-op re-run on the installed 3+3`));
    run('bash', ['lab/lab.sh', 'up', '--fresh', '--kubernetes', 'standin']);
  }
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
  const report = [
    '# hakube in the lab: where the time goes',
    '',
    `Measured by \`npm run bench${bigWorkers ? ` -- --workers ${bigWorkers}` : ''}\` on ${new Date().toISOString().slice(0, 10)}: ${machine}. Lab hosts are`,
    'containers on this machine (see docs/lab.md). On the stand-in lane kubeadm, kubelet and the API server are',
    'stand-ins, so their phases measure hakube and the hosts, not Kubernetes; the sections marked',
    `"${REAL_LANE}" ran the real ones (Kubernetes v1.37.2, containerd 2.3, etcd 3.6, built from their upstream`,
    'modules by lab/real/build.sh), the same hosts, inventory shape and hakube.',
    '',
    ...measured.map(table),
  ].join('\n');
  console.log(report);
  fs.writeFileSync(path.join(ROOT, 'docs/bench.md'), report);
}

void main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
