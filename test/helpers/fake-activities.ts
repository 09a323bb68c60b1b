// Fake activities for workflow tests: every call is recorded (name, host, start, end), takes a
// short time, and can be made to fail or to report a needed reboot. No SSH: these tests are about
// the workflow's order, parallelism, approvals, pauses and compensations on a real Temporal server.
import * as fs from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { HakubeActivities } from '../../src/activities/types';
import { HOST_STEPS } from '../../src/activities/registry';
import { operationsRunning } from '../../src/activities/operations-running';
import type { HostRequest, StepResult } from '../../src/contracts/activity-request';
import type { Compensation } from '../../src/contracts/compensation';

export interface Call {
  name: string;
  host: string;
  start: number;
  end?: number;
  compensation?: Compensation;
  /** The host workflow that ran it: <install id>/<phase>/<host>. */
  workflowId?: string;
  /** The rendered files the step was allowed to write (from its phase declaration). */
  writes?: string[];
  /** The request's `quiet` (a disturbing check after a run that changed nothing). */
  quiet?: boolean;
  /** The request's operation options (reset's --wipe-etcd, --purge). */
  options?: HostRequest['options'];
  /** The run's tag on the hosts (its backups and markers). */
  backupTag?: string;
  /** The request's phases of the run (what a step may do ahead for a later phase). */
  runPhases?: string[];
}

export interface FakeOptions {
  delayMs?: number;
  /** Hosts whose calls take three times delayMs: they finish a phase visibly after the others. */
  slowOn?: Set<string>;
  /** Hosts whose packages phase finds /run/reboot-required. */
  rebootRequiredOn?: Set<string>;
  /** "activity@host" pairs that fail (non-retryable: retries exhausted) while present. */
  failing?: Set<string>;
  /** Hosts whose preflight reports a warning. */
  warnOn?: Set<string>;
  /** Activities that wait (up to 10 s) until this many calls of theirs have started: parallel steps
   * then overlap however slow the machine is, and sequential ones visibly do not. */
  rendezvous?: Record<string, number>;
  /** Every step finds its host as wanted (a re-run on an installed cluster). */
  unchanged?: boolean;
  /** Only these activities change something; every other finds its host as wanted. */
  changedOnly?: Set<string>;
  /** "activity@host" pairs whose result asks the operator's approval (approvalNeeded). */
  approvalOn?: Set<string>;
  /** Hosts where the last full install's state record still holds (checkStateRecord); every other host differs. */
  recordHoldsOn?: Set<string>;
  /** Append every finished call as a JSON line (for workers in another process). */
  logFile?: string;
}

/** Every activity a real worker registers (from the same registry), faked. */
export const ACTIVITY_NAMES = [...Object.keys(HOST_STEPS), 'compensate', 'operationsRunning'] as (keyof HakubeActivities)[];

export function fakeActivities(options: FakeOptions = {}): { activities: HakubeActivities; calls: Call[] } {
  const calls: Call[] = [];
  const ok =
    (name: string) =>
    async (req: HostRequest | { compensation: Compensation }): Promise<StepResult> => {
      const host = 'host' in req ? req.host : req.compensation.host;
      const call: Call = {
        name,
        host,
        start: Date.now(),
        compensation: 'compensation' in req ? req.compensation : undefined,
        workflowId: Context.current().info.workflowExecution?.workflowId,
        writes: 'writes' in req ? req.writes : undefined,
        quiet: 'quiet' in req ? req.quiet : undefined,
        options: 'options' in req ? req.options : undefined,
        backupTag: 'backupTag' in req ? req.backupTag : req.compensation.backupTag,
        runPhases: 'runPhases' in req ? req.runPhases : undefined,
      };
      calls.push(call);
      const expected = options.rendezvous?.[name];
      for (let waited = 0; expected && waited < 10_000 && calls.filter((c) => c.name === name).length < expected; waited += 20)
        await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, (options.delayMs ?? 20) * (options.slowOn?.has(host) ? 3 : 1)));
      call.end = Date.now();
      if (options.failing?.has(`${name}@${host}`))
        throw ApplicationFailure.nonRetryable(`${name} failed on ${host}: port 6443 already in use`, 'FakeFailure');
      if (options.logFile) fs.appendFileSync(options.logFile, JSON.stringify({ name, host, workflowId: call.workflowId }) + '\n');
      const approval = options.approvalOn?.has(`${name}@${host}`) ? { approvalNeeded: `${name} on ${host}` } : {};
      return { changed: options.changedOnly ? options.changedOnly.has(name) : !options.unchanged, ...approval };
    };
  const activities = Object.fromEntries(ACTIVITY_NAMES.map((n) => [n, ok(n)])) as unknown as HakubeActivities;
  // Like Debian: /run/reboot-required is there until the host reboots.
  const rebooted = new Set<string>();
  const recordReboot = ok('rebootHost');
  activities.rebootHost = async (req) => {
    const r = await recordReboot(req);
    rebooted.add(req.host);
    return r;
  };
  const record = ok('rebootRequired');
  activities.rebootRequired = async (req) => {
    await record(req);
    const required = (options.rebootRequiredOn?.has(req.host) ?? false) && !rebooted.has(req.host);
    return { required, reason: required ? '/run/reboot-required' : '' };
  };
  activities.preflight = async (req) => ({
    ...(await ok('preflight')(req)),
    ...(options.warnOn?.has(req.host) && { warnings: ['cgroup hybrid: fake warning'] }),
  });
  activities.installBackportsKernel = async (req) => ({ ...(await ok('installBackportsKernel')(req)), rebootNeeded: true });
  const checkRecord = ok('checkStateRecord');
  activities.checkStateRecord = async (req) => {
    await checkRecord(req);
    return options.recordHoldsOn?.has(req.host)
      ? { changed: false, holds: true, run: 'lab-earlier-run', at: '2026-11-28T06:00:00.000Z' }
      : {
          changed: false,
          holds: false,
          why: 'packages differ from the last full install',
          run: 'lab-earlier-run',
          at: '2026-11-28T06:00:00.000Z',
        };
  };
  // The real one: it only asks Temporal (the test's server) which operations of the cluster run.
  activities.operationsRunning = operationsRunning;
  return { activities, calls };
}
