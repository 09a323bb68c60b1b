// The terminal's views of a run: the live table (on a TTY) and the lines kept above it, from progress
// snapshots as the install's query returns them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { Progress } from '../../src/contracts/progress';
import { Clock, LiveView, liveTable } from '../../src/cli/live-view';
import { progressChanges, progressNotices } from '../../src/cli/progress-view';

const snapshot = (workers: Progress['phases'][number]['hosts']): Progress => ({
  cluster: 'lab',
  operation: 'install',
  status: 'running',
  compensationsRegistered: 0,
  compensationsRun: [],
  phases: [
    { id: 'preflight', title: 'Preflight', state: 'done', hosts: { master01: { state: 'done' }, worknode01: { state: 'done' } } },
    { id: 'cni', title: 'CNI', state: 'skipped', hosts: {} },
    { id: 'packages', title: 'Kubernetes packages', state: 'running', hosts: workers },
    { id: 'etcd', title: 'etcd cluster', state: 'pending', hosts: { master01: { state: 'pending' } } },
  ],
});

test("the live table: one line per phase with hosts done, the running phase's busy hosts with step and time in it", () => {
  const clock = new Clock();
  const p = snapshot({
    master01: { state: 'done' },
    worknode01: { state: 'running', step: 'kubelet, kubeadm, kubectl installed and held' },
    worknode02: { state: 'waiting-approval', step: 'reboot for the new kernel' },
    worknode03: { state: 'pending' },
  });
  liveTable(p, clock, 0, { width: 200, color: false });
  const lines = liveTable(p, clock, 75_000, { width: 200, color: false });
  assert.deepEqual(lines, [
    'install of lab: running (1m15s)',
    ' ✓ Preflight            2/2',
    ' ▶ Kubernetes packages  1/4  1m15s',
    '     worknode01     running     1m15s  kubelet, kubeadm, kubectl installed and held',
    '     worknode02     WAITING FOR APPROVAL  1m15s  reboot for the new kernel',
    ' · etcd cluster         0/1',
  ]);
  // A new step starts its host's time again; lines never exceed the terminal's width.
  p.phases[2]!.hosts.worknode01!.step = 'kubelet started';
  const narrow = liveTable(p, clock, 80_000, { width: 30, color: true });
  const plain = (l: string) => l.split('\u001b[1;33m').join('').split('\u001b[0m').join('');
  assert.ok(
    narrow.every((l) => plain(l).length <= 30),
    narrow.join('\n'),
  );
  assert.match(liveTable(p, clock, 81_000, { width: 200, color: false })[3]!, /running +1s +kubelet started$/);
  assert.ok(narrow[4]!.startsWith('\u001b[1;33m     worknode02'), 'a host waiting for approval stands out');
});

test('the live view redraws in place: the old table erased, notices kept above the new one', () => {
  const out = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  let written = '';
  out.on('data', (d: Buffer) => (written += d.toString()));
  out.columns = 120;
  const view = new LiveView(out);
  const p = snapshot({ worknode01: { state: 'running', step: 'apt-get install' } });
  view.render(p, []);
  const first = written;
  written = '';
  view.render(p, ['   worknode01     WARNING: cgroup v1']);
  const rows = first.split('\n').length - 1;
  assert.ok(written.startsWith(`\u001b[${rows}A\r\u001b[J   worknode01     WARNING: cgroup v1\n`), JSON.stringify(written));
  view.finish();
  written = '';
  view.render(p, []);
  assert.ok(!written.startsWith('\u001b['), 'after finish the table is left in the scrollback');

  // Never taller than the screen (the cursor cannot go up past its top).
  out.rows = 8;
  const many = snapshot(
    Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`worknode${i}`, { state: 'running' as const, step: 'x' }])),
  );
  written = '';
  new LiveView(out).render(many, []);
  const drawn = written.split('\n').slice(0, -1);
  assert.equal(drawn.length, 6, written);
  assert.match(drawn.at(-1)!, /… \d+ more lines \(hakube status -c lab\)/);
});

test('notices: a pause with its error and the retry command, an approval asked, a new warning; nothing for plain steps', () => {
  const before = snapshot({ worknode01: { state: 'running', step: 'apt-get install' }, worknode02: { state: 'running' } });
  const after = snapshot({
    worknode01: { state: 'paused', step: 'apt-get install', error: 'E: Unable to locate package kubelet' },
    worknode02: { state: 'waiting-approval', step: 'reboot', warnings: ['cgroup v1'] },
  });
  assert.deepEqual(progressNotices(before, after), [
    '   worknode01     paused — apt-get install',
    '                  error: E: Unable to locate package kubelet',
    '                  fix the host, then `hakube retry worknode01 -c lab` (or `hakube abort -c lab`)',
    '   worknode02     WARNING: cgroup v1',
    '   worknode02     waiting-approval — reboot',
    '                  approve with `hakube approve worknode02 -c lab` (or --all)',
  ]);
  assert.deepEqual(progressNotices(after, after), [], 'said once');
  const stepped = snapshot({ worknode01: { state: 'running', step: 'kubelet held' }, worknode02: { state: 'running' } });
  assert.deepEqual(progressNotices(before, stepped), []);
  // The line log (no TTY) still tells every change.
  assert.deepEqual(progressChanges(before, stepped), ['   worknode01     running — kubelet held']);
});

test('the line log names the phase of a host line while phases run at once, and right after', () => {
  const withEtcd = (p: Progress, etcd: 'running' | 'done', step: string): Progress => ({
    ...p,
    phases: p.phases.map((x) => (x.id === 'etcd' ? { ...x, state: etcd, hosts: { master01: { state: etcd, step } } } : x)),
  });
  const both = withEtcd(snapshot({ worknode01: { state: 'running', step: 'a' } }), 'running', 'start');
  const stepped = withEtcd(snapshot({ worknode01: { state: 'running', step: 'b' } }), 'running', 'start');
  assert.deepEqual(progressChanges(both, stepped), ['== Kubernetes packages:', '   worknode01     running — b']);
  // etcd just ended: the packages line that follows its "done" header still says where it belongs.
  const etcdDone = withEtcd(snapshot({ worknode01: { state: 'running', step: 'c' } }), 'done', 'start');
  assert.deepEqual(progressChanges(stepped, etcdDone), [
    '== Kubernetes packages:',
    '   worknode01     running — c',
    '== etcd cluster: done',
    '   master01       done — start',
  ]);
});
