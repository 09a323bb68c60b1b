// The live view of a run in a terminal: a compact table of phases (and, inside the phases running, the
// hosts not yet done: their state, current step and time in it) redrawn in place once a second. What
// must stay in the scrollback (warnings, a pause's error and the command that resumes it, approvals
// asked for) is printed above the table by the caller, as lines. Without a TTY the caller prints the
// line log instead (progress-view.ts).
import type { HostState, PhaseProgress, Progress } from '../contracts/progress';

const PHASE_MARK: Record<PhaseProgress['state'], string> = { pending: '·', running: '▶', done: '✓', skipped: '-', failed: '✗' };
const ESC = '\u001b[';
const STYLE: Partial<Record<HostState, string>> = { 'waiting-approval': `${ESC}1;33m`, paused: `${ESC}1;31m`, failed: `${ESC}1;31m` };
const RESET = `${ESC}0m`;

/** When the view first saw each phase and host in its current state (times are the terminal's, not the workflow's). */
export class Clock {
  private readonly since = new Map<string, { state: string; at: number }>();
  /** Seconds in this state (0 when it just changed). */
  seconds(key: string, state: string, now: number): number {
    const seen = this.since.get(key);
    if (!seen || seen.state !== state) {
      this.since.set(key, { state, at: now });
      return 0;
    }
    return Math.round((now - seen.at) / 1000);
  }
}

const duration = (s: number) => (s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`);
/** Cut to the terminal's width (counting characters; styles are added after). */
const fit = (line: string, width: number) => (line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line);

/**
 * The table's lines: a heading with the run's state and time, one line per phase with its hosts done
 * out of all, and under each running phase the hosts still at work, waiting or paused.
 */
export function liveTable(p: Progress, clock: Clock, now: number, options: { width: number; color: boolean }): string[] {
  const { width, color } = options;
  const style = (state: HostState, line: string) => (color && STYLE[state] ? `${STYLE[state]}${line}${RESET}` : line);
  const noun = p.operation ?? 'install';
  const lines = [fit(`${noun} of ${p.cluster}: ${p.status} (${duration(clock.seconds('run', 'run', now))})`, width)];
  const titleWidth = Math.min(48, Math.max(...p.phases.map((ph) => ph.title.length)));
  for (const phase of p.phases) {
    if (phase.state === 'skipped') continue;
    const hosts = Object.entries(phase.hosts);
    const done = hosts.filter(([, h]) => h.state === 'done' || h.state === 'skipped').length;
    const elapsed = phase.state === 'running' ? `  ${duration(clock.seconds(`phase:${phase.id}`, phase.state, now))}` : '';
    lines.push(
      fit(` ${PHASE_MARK[phase.state]} ${fit(phase.title, titleWidth).padEnd(titleWidth)}  ${done}/${hosts.length}${elapsed}`, width),
    );
    if (phase.state !== 'running' && phase.state !== 'failed') continue;
    for (const [host, h] of hosts) {
      if (h.state === 'done' || h.state === 'skipped' || h.state === 'pending') continue;
      const time = duration(clock.seconds(`host:${phase.id}/${host}`, `${h.state}/${h.step ?? ''}`, now));
      const state = h.state === 'waiting-approval' ? 'WAITING FOR APPROVAL' : h.state === 'paused' ? 'PAUSED' : h.state;
      lines.push(style(h.state, fit(`     ${host.padEnd(14)} ${state.padEnd(10)} ${time.padStart(6)}  ${h.step ?? ''}`, width)));
    }
  }
  return lines;
}

/** Redraws the table in place on a terminal stream; lines printed through it go above the table. */
export class LiveView {
  private drawn = 0;
  private readonly clock = new Clock();

  constructor(private readonly out: NodeJS.WriteStream) {}

  /** Replaces the table with `above` (kept in the scrollback) and the table for `progress`. */
  render(progress: Progress, above: string[]): void {
    const width = Math.max(40, (this.out.columns || 100) - 1);
    const table = liveTable(progress, this.clock, Date.now(), { width, color: this.out.hasColors?.() ?? false });
    // Never taller than the screen: the cursor cannot go up past its top, and each redraw would leave a copy.
    const rows = Math.max(5, (this.out.rows || 40) - 2);
    if (table.length > rows)
      table.splice(rows - 1, table.length, `   … ${table.length - rows + 1} more lines (hakube status -c ${progress.cluster})`);
    this.out.write(this.erase() + above.map((l) => `${l}\n`).join('') + table.map((l) => `${l}\n`).join(''));
    this.drawn = table.length;
  }

  /** Leaves the last table in the scrollback: what is printed next goes below it. */
  finish(): void {
    this.drawn = 0;
  }

  /** Cursor up over the last table and clear to the end of the screen. */
  private erase(): string {
    return this.drawn ? `${ESC}${this.drawn}A\r${ESC}J` : '';
  }
}
