// Host reports may overtake each other: a host workflow sends a step's "running" report without waiting
// for its delivery (host-phase.ts), so the parent keeps, per phase and host, the newest report it took.
import type { HostReport } from '../../contracts/progress';

/** Which host workflow run sent a report, and how many it had sent by then. */
export interface ReportMark {
  run: string;
  seq: number;
}

/** The report's mark; undefined for a report of an older hakube (it carries none and is always taken). */
export const markOf = (report: HostReport): ReportMark | undefined =>
  report.run !== undefined && report.seq !== undefined ? { run: report.run, seq: report.seq } : undefined;

/** Whether a report with this mark is older than the newest taken (`last`) from the same host workflow run. */
export const overtaken = (last: ReportMark | undefined, mark: ReportMark | undefined): boolean =>
  !!last && !!mark && last.run === mark.run && last.seq >= mark.seq;
