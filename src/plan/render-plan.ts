// `hakube plan`: the install DAG as text and as a Mermaid graph, and every file for every host
// written under DIR/<host>/<absolute path>. Touches no host and needs no Temporal.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClusterSpec } from '../inventory/spec';
import { enabledPhases, PHASES, type Phase } from '../workflows/phases';
import { filesForHost, renderHostFiles } from '../render/host-files';

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

function fanoutText(phase: Phase, hosts: string[]): string {
  if (hosts.length === 1) return `on ${hosts[0]}`;
  return phase.fanout === 'parallel' ? `in parallel on ${hosts.join(', ')}` : `one at a time: ${hosts.join(' -> ')}`;
}

export function planText(spec: ClusterSpec): string {
  const lines: string[] = [
    `Cluster ${spec.name}: Kubernetes ${spec.kubernetes.version}, ${spec.masters.length} master(s) with external etcd (${spec.etcd.mode}), ${spec.workers.length} worker(s)`,
    `Control plane endpoint ${spec.controlPlaneEndpoint.value}; pods ${spec.network.podSubnet}; services ${spec.network.serviceSubnet}`,
    '',
  ];
  const enabled = new Set(enabledPhases(spec).map((p) => p.id));
  let n = 0;
  for (const phase of PHASES) {
    if (!enabled.has(phase.id)) {
      lines.push(`   -  ${phase.title}  [skipped for this inventory]`, '');
      continue;
    }
    const hosts = phase.hosts(spec);
    lines.push(`${String(++n).padStart(3)}. ${phase.title}  (article step ${phase.articleStep}; phase id ${phase.id})`);
    lines.push(`      hosts: ${fanoutText(phase, hosts)}`);
    for (const step of phase.steps) lines.push(`      - ${step}`);
    const files = [...new Set(hosts.flatMap((h) => filesForHost(spec, h)).filter((f) => phase.files.includes(f.id)).map((f) => f.path))];
    if (files.length) lines.push(`      writes: ${files.join(', ')}`);
    if (phase.rebootNeedsApproval) lines.push('      WAITS FOR APPROVAL before any reboot (hakube approve HOST|--all)');
    if (phase.gate) lines.push(`      gate: ${phase.gate}`);
    if (phase.compensation) lines.push(`      compensation: ${phase.compensation}`);
    lines.push('');
  }
  return lines.join('\n');
}

const mermaidId = (...parts: string[]) => parts.join('_').replace(/[^A-Za-z0-9_]/g, '_');

export function planMermaid(spec: ClusterSpec): string {
  const lines = ['flowchart TD'];
  let previous: string | undefined;
  for (const phase of enabledPhases(spec)) {
    const hosts = phase.hosts(spec);
    const marks = [phase.rebootNeedsApproval ? '⏸ approval before reboot' : '', phase.compensation ? '↩ compensated' : ''].filter(Boolean);
    lines.push(`  subgraph ${mermaidId(phase.id)}["${phase.title}${marks.length ? `<br/>${marks.join(' · ')}` : ''}"]`);
    if (phase.fanout === 'one-at-a-time') lines.push('    direction LR');
    for (const host of hosts) lines.push(`    ${mermaidId(phase.id, host)}["${host}"]`);
    if (phase.fanout === 'one-at-a-time')
      for (let i = 1; i < hosts.length; i++) lines.push(`    ${mermaidId(phase.id, hosts[i - 1])} --> ${mermaidId(phase.id, hosts[i])}`);
    lines.push('  end');
    // Every host of a phase waits for the whole previous phase: drawn subgraph to subgraph.
    if (previous) lines.push(`  ${previous} --> ${mermaidId(phase.id)}`);
    previous = mermaidId(phase.id);
  }
  return lines.join('\n') + '\n';
}
