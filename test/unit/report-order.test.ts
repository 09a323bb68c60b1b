// Host reports that overtake each other (a step's report is not waited for): the parent keeps the newest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markOf, overtaken } from '../../src/workflows/engine/report-order';
import type { HostReport } from '../../src/contracts/progress';

const report = (run?: string, seq?: number): HostReport => ({
  phase: 'runtime',
  host: 'master01',
  progress: { state: 'running', changed: [], unchanged: [], warnings: [] },
  ...(run !== undefined && { run }),
  ...(seq !== undefined && { seq }),
});

test('a report older than the newest taken from the same host workflow run is dropped', () => {
  const newest = markOf(report('run-a', 5));
  assert.equal(overtaken(newest, markOf(report('run-a', 4))), true, 'a step report that arrived after the done report');
  assert.equal(overtaken(newest, markOf(report('run-a', 5))), true, 'the same report twice');
  assert.equal(overtaken(newest, markOf(report('run-a', 6))), false);
  assert.equal(overtaken(newest, markOf(report('run-b', 1))), false, 'another run of the host workflow starts its own count');
  assert.equal(overtaken(undefined, markOf(report('run-a', 1))), false, 'the first report');
});

test('reports of runs recorded before carry no count and are always taken', () => {
  assert.equal(markOf(report()), undefined);
  assert.equal(overtaken(markOf(report('run-a', 5)), markOf(report())), false);
});
