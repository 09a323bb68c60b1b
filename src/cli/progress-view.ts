// Turns progress snapshots into lines for the terminal: one line per change, hints when the
// operator is needed, warnings the steps found, and a final summary of what changed.
import type { HostProgress, OperationResult, Progress } from '../contracts/progress';

const PAD = ''.padEnd(14);

export function progressChanges(previous: Progress | undefined, current: Progress): string[] {
  const lines: string[] = [];
  // Phases that do not need each other run at once: then a host line says which phase it is in.
  const running = (p?: Progress) => p?.phases.filter((x) => x.state === 'running').length ?? 0;
  const concurrent = running(current) > 1 || running(previous) > 1;
  for (const phase of current.phases) {
    const before = previous?.phases.find((p) => p.id === phase.id);
    const header = phase.state !== before?.state && phase.state !== 'pending' && phase.state !== 'skipped';
    if (header) lines.push(`== ${phase.title}: ${phase.state}`);
    const hostLines: string[] = [];
    for (const [host, hp] of Object.entries(phase.hosts)) {
      const old = before?.hosts[host];
      hostLines.push(...newWarnings(host, hp, old));
      if (old && old.state === hp.state && old.step === hp.step) continue;
      if (hp.state === 'pending') continue;
      hostLines.push(hostLine(host, hp), ...operatorHint(host, hp, current.cluster));
    }
    if (hostLines.length && !header && concurrent) lines.push(`== ${phase.title}:`);
    lines.push(...hostLines);
  }
  return [...lines, ...runLines(previous, current)];
}

/**
 * What must stay in the scrollback above the live table (live-view.ts): warnings, and a host that just
 * paused or started waiting for approval with the command that answers it.
 */
export function progressNotices(previous: Progress | undefined, current: Progress): string[] {
  const lines: string[] = [];
  for (const phase of current.phases) {
    const before = previous?.phases.find((p) => p.id === phase.id);
    for (const [host, hp] of Object.entries(phase.hosts)) {
      const old = before?.hosts[host];
      lines.push(...newWarnings(host, hp, old));
      const hint = operatorHint(host, hp, current.cluster);
      if (hint.length && (old?.state !== hp.state || old?.step !== hp.step)) lines.push(hostLine(host, hp), ...hint);
    }
  }
  return [...lines, ...runLines(previous, current)];
}

const hostLine = (host: string, hp: HostProgress) => `   ${host.padEnd(14)} ${hp.state}${hp.step ? ` — ${hp.step}` : ''}`;

const newWarnings = (host: string, hp: HostProgress, old: HostProgress | undefined) =>
  (hp.warnings ?? []).filter((w) => !old?.warnings?.includes(w)).map((w) => `   ${host.padEnd(14)} WARNING: ${w}`);

/** What the operator does about a paused host or one waiting for approval. */
function operatorHint(host: string, hp: HostProgress, cluster: string): string[] {
  if (hp.state === 'paused')
    return [
      `   ${PAD} error: ${hp.error}`,
      `   ${PAD} fix the host, then \`hakube retry ${host} -c ${cluster}\` (or \`hakube abort -c ${cluster}\`)`,
    ];
  if (hp.state === 'waiting-approval') return [`   ${PAD} approve with \`hakube approve ${host} -c ${cluster}\` (or --all)`];
  return [];
}

/** The run's own news: an abort under way, an operator Signal refused (sent from the Web UI, it has no other answer). */
const runLines = (previous: Progress | undefined, current: Progress) => [
  ...(current.status !== previous?.status && current.status.startsWith('abort')
    ? [`== ${current.operation ?? 'install'} ${current.status}`]
    : []),
  ...(current.refusedSignals ?? []).filter((r) => !previous?.refusedSignals?.includes(r)).map((r) => `== ${r}`),
];

export function statusTable(p: Progress): string {
  const lines = [`cluster ${p.cluster}: ${p.status}`];
  for (const phase of p.phases) {
    lines.push(`  ${phase.state.padEnd(8)} ${phase.title}`);
    for (const [host, hp] of Object.entries(phase.hosts)) {
      if (phase.state === 'pending' && hp.state === 'pending') continue;
      lines.push(`             ${host.padEnd(14)} ${hp.state}${hp.step ? ` — ${hp.step}` : ''}`);
      if (hp.error) lines.push(`             ${PAD} error: ${hp.error}`);
      for (const w of hp.warnings ?? []) lines.push(`             ${PAD} WARNING: ${w}`);
    }
  }
  for (const r of p.refusedSignals ?? []) lines.push(`  ${r}`);
  if (p.compensationsRun.length) lines.push('  compensations run:', ...p.compensationsRun.map((c) => `    ${c}`));
  if (p.compensationsFailed?.length)
    lines.push('  compensations FAILED (finish them by hand):', ...p.compensationsFailed.map((c) => `    ${c}`));
  return lines.join('\n');
}

export function resultSummary(result: OperationResult): string {
  if (result.unchangedSince)
    return (
      `Nothing changed: every host and the cluster are as the full install ${result.unchangedSince.run} left them (${result.unchangedSince.at}): ` +
      'files, packages, units, kernel settings, nodes, etcd and add-on objects compared, no step ran, nothing was taken down. ' +
      '`hakube up --full` runs every step anyway.'
    );
  const lines: string[] = [];
  const warnings: string[] = [];
  let changedAny = false;
  for (const phase of result.phases)
    for (const [host, r] of Object.entries(phase.hosts)) {
      changedAny ||= r.changed.length > 0;
      const unchanged = r.unchanged.length && r.changed.length ? `; unchanged: ${r.unchanged.join(', ')}` : '';
      lines.push(
        `  ${phase.id.padEnd(18)} ${host.padEnd(14)} ${r.changed.length ? `changed: ${r.changed.join(', ')}` : 'no change'}${unchanged}`,
      );
      for (const w of r.warnings ?? []) warnings.push(`  ${host.padEnd(14)} ${w}`);
    }
  return [
    changedAny
      ? 'What this run changed:'
      : 'Nothing changed: every step found its host already as wanted (the HA check, which stops an API server, is not repeated once it passed: `--only verify-ha` repeats it).',
    ...lines,
    ...(warnings.length ? ['Warnings:', ...warnings] : []),
    ...(result.stateRecord ? [`(${result.stateRecord})`] : []),
  ].join('\n');
}
