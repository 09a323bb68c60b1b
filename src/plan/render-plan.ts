// `hakube plan`: an operation's phases as text and as a Mermaid graph, and every file for every host
// written under DIR/<host>/<absolute path>. Touches no host and needs no Temporal. Everything shown
// is derived from the phase declarations the workflows run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClusterSpec } from '../inventory/spec';
import { describeUndo } from '../contracts/compensation';
import { OPERATIONS, phasesToRun, type OperationId } from '../workflows/operations';
import { activityStepsFor, filesOf, gatesOf, mayReboot, phaseNeeds, undosOf, type PhaseDeclaration } from '../workflows/phase-model';
import { filesForHost, renderHostFiles } from '../render/host-files';
import { downloadsOf } from '../inventory/pins';

export function writePlanFiles(spec: ClusterSpec, outDir: string): string[] {
  const written: string[] = [];
  for (const host of spec.hosts) {
    for (const file of renderHostFiles(spec, host.name)) {
      const target = path.join(outDir, host.name, file.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, file.content, { mode: file.mode });
      written.push(path.relative(outDir, target));
    }
  }
  return written;
}

function fanoutText(phase: PhaseDeclaration, hosts: string[]): string {
  if (hosts.length === 1) return `on ${hosts[0]}`;
  if (phase.fanout === 'batches') return `in batches of --batch (one at a time by default): ${hosts.join(', ')}`;
  return phase.fanout === 'parallel' ? `in parallel on ${hosts.join(', ')}` : `one at a time: ${hosts.join(' -> ')}`;
}

/** The files a phase writes on its hosts, with a note on those that hold secrets or are written only in a case. */
function writtenFiles(spec: ClusterSpec, phase: PhaseDeclaration): string[] {
  const declared = filesOf(phase);
  const entries = phase
    .hosts(spec)
    .flatMap((h) => filesForHost(spec, h))
    .filter((f) => declared.includes(f.id));
  return [
    ...new Set(
      entries.map((f) =>
        f.secret
          ? `${f.path} (holds join secrets: written 0600 at run time, removed after use)`
          : f.onlyWhen
            ? `${f.path} (only when ${f.onlyWhen})`
            : f.path,
      ),
    ),
  ];
}

/** One phase's lines: hosts, steps, files, approvals, gates, compensations. */
export function phaseLines(spec: ClusterSpec, phase: PhaseDeclaration): string[] {
  const lines = [`      hosts: ${fanoutText(phase, phase.hosts(spec))}`];
  for (const step of activityStepsFor(phase, spec)) lines.push(`      - ${step.title}: ${step.detail}`);
  if (phase.steps.some((s) => s.kind === 'reboot-if-required'))
    lines.push('      - if the host asks for a reboot (/run/reboot-required): wait for approval, reboot');
  const files = writtenFiles(spec, phase);
  if (files.length) lines.push(`      writes: ${files.join(', ')}`);
  if (mayReboot(phase)) lines.push('      WAITS FOR APPROVAL before any reboot (hakube approve HOST|--all)');
  for (const gate of gatesOf(phase)) lines.push(`      gate: ${gate.detail}`);
  for (const undo of undosOf(phase)) lines.push(`      compensation: ${describeUndo(undo)}`);
  return lines;
}

/** What the hosts download and the pin each is checked against before it is used. */
function downloadLines(spec: ClusterSpec): string[] {
  const lines = ['Downloads, checked on the host before use:'];
  for (const d of downloadsOf(spec))
    lines.push(`  - ${d.what}: ${d.url}`, `      ${d.pin}${d.unpinned ? '  (UNCHECKED)' : ''}  (${d.field})`);
  return [...lines, ''];
}

export function planText(spec: ClusterSpec, operation: OperationId = 'install'): string {
  const lines: string[] = [
    `Cluster ${spec.name}: Kubernetes ${spec.kubernetes.version}, ${spec.masters.length} master(s) with external etcd (${spec.etcd.mode}), ${spec.workers.length} worker(s)`,
    `Control plane endpoint ${spec.controlPlaneEndpoint.value}; pods ${spec.network.podSubnet}; services ${spec.network.serviceSubnet}`,
    '',
  ];
  const run = phasesToRun(operation, spec);
  const runs = new Set(run.map((p) => p.id));
  const needs = phaseNeeds(OPERATIONS[operation], run);
  let n = 0;
  for (const phase of OPERATIONS[operation]) {
    if (!runs.has(phase.id)) {
      lines.push(`   -  ${phase.title}  [skipped for this inventory]`, '');
      continue;
    }
    const article = phase.articleStep ? `article step ${phase.articleStep}; ` : '';
    lines.push(`${String(++n).padStart(3)}. ${phase.title}  (${article}phase id ${phase.id})`, ...phaseLines(spec, phase));
    // Only where the order is not simply the list's: what it waits for, and so which phases run beside it.
    if (phase.after)
      lines.push(`      starts once done: ${needs.get(phase.id)!.join(', ') || 'nothing'} (phases not waiting for each other run at once)`);
    lines.push('');
  }
  if (operation === 'install') lines.push(...downloadLines(spec));
  return lines.join('\n');
}

const mermaidId = (...parts: string[]) => parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');

export function planMermaid(spec: ClusterSpec, operation: OperationId = 'install'): string {
  const lines = ['flowchart TD'];
  const run = phasesToRun(operation, spec);
  const needs = phaseNeeds(OPERATIONS[operation], run);
  for (const phase of run) {
    const hosts = phase.hosts(spec);
    const marks = [mayReboot(phase) ? '⏸ approval before reboot' : '', undosOf(phase).length ? '↩ compensated' : ''].filter(Boolean);
    lines.push(`  subgraph ${mermaidId(phase.id)}["${phase.title}${marks.length ? `<br/>${marks.join(' · ')}` : ''}"]`);
    if (phase.fanout === 'one-at-a-time') lines.push('    direction LR');
    for (const host of hosts) lines.push(`    ${mermaidId(phase.id, host)}["${host}"]`);
    if (phase.fanout === 'one-at-a-time')
      for (let i = 1; i < hosts.length; i++) lines.push(`    ${mermaidId(phase.id, hosts[i - 1])} --> ${mermaidId(phase.id, hosts[i])}`);
    lines.push('  end');
    // Every host of a phase waits for the whole of each phase it needs: drawn subgraph to subgraph.
    for (const need of needs.get(phase.id)!) lines.push(`  ${mermaidId(need)} --> ${mermaidId(phase.id)}`);
  }
  return lines.join('\n') + '\n';
}
