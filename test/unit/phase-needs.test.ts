// Which phases may run at once (phaseNeeds), and the rule that makes it safe: two phases that do not
// wait for each other never share a host (a host runs one step at a time, under its step lock).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadInventory } from '../../src/inventory/load';
import { OPERATIONS, phasesToRun, type OperationId } from '../../src/workflows/operations';
import { phaseNeeds, type PhaseDeclaration } from '../../src/workflows/phase-model';
import { writeInventory } from '../helpers/inventory';

const spec = loadInventory(writeInventory(), { requireKeyFiles: true }).spec;

/** Every phase a phase waits for, directly or through others. */
function ancestors(needs: Map<string, string[]>, id: string, out = new Set<string>()): Set<string> {
  for (const n of needs.get(id) ?? []) if (!out.has(n)) ancestors(needs, n, out.add(n));
  return out;
}

test('phases that may run at once share no host, in every operation, with the needs of today and of runs recorded before', () => {
  for (const operation of Object.keys(OPERATIONS) as OperationId[])
    for (const patched of [() => true, () => false]) {
      const run = phasesToRun(operation, spec);
      const needs = phaseNeeds(OPERATIONS[operation], run, patched);
      // remove: a master and a worker leaving, so every remove phase has hosts.
      const hostsOf = (p: PhaseDeclaration) => new Set(p.hosts(spec, { removing: [spec.masters[2]!, spec.workers[0]!] }));
      for (const a of run)
        for (const b of run) {
          if (a.id >= b.id || ancestors(needs, a.id).has(b.id) || ancestors(needs, b.id).has(a.id)) continue;
          const shared = [...hostsOf(a)].filter((h) => hostsOf(b).has(h));
          assert.deepEqual(shared, [], `${operation}: ${a.id} and ${b.id} may run at once but share ${shared.join(', ')}`);
        }
    }
});

test('the install runs the add-ons beside the joins, and the HA check after both', () => {
  const needs = phaseNeeds(OPERATIONS.install, phasesToRun('install', spec));
  assert.deepEqual(needs.get('ingress'), ['control-plane-refresh']);
  assert.deepEqual(needs.get('join-workers'), ['control-plane-refresh']);
  assert.deepEqual(needs.get('haproxy'), ['join-workers'], "haproxy beside the other masters' joins");
  assert.deepEqual(needs.get('verify-ha'), ['haproxy', 'dashboard', 'join-masters']);
  // Undeclared: the phase before it in the list.
  assert.deepEqual(needs.get('join-masters'), ['control-plane-refresh']);
  assert.deepEqual(needs.get('preflight'), []);
});

test('a run recorded before a change of needs keeps the needs it ran with', () => {
  const before = phaseNeeds(OPERATIONS.install, phasesToRun('install', spec), (id) => id !== 'haproxy-beside-master-joins');
  assert.deepEqual(before.get('haproxy'), ['join-masters', 'join-workers']);
  assert.deepEqual(before.get('verify-ha'), ['haproxy', 'dashboard']);
});

test('a phase left out is replaced by what it waits for', () => {
  const run = phasesToRun('install', spec, ['preflight', 'verify-ha']);
  assert.deepEqual(phaseNeeds(OPERATIONS.install, run).get('verify-ha'), ['preflight']);
  const noDashboard = phasesToRun('install', spec).filter((p) => p.id !== 'dashboard');
  assert.deepEqual(phaseNeeds(OPERATIONS.install, noDashboard).get('verify-ha'), ['haproxy', 'ingress', 'join-masters']);
});

test("every phase's `after` names phases of its own operation, and no phase waits for itself", () => {
  for (const [operation, phases] of Object.entries(OPERATIONS)) {
    const ids = phases.map((p) => p.id);
    for (const p of phases)
      for (const need of [...(p.after ?? []), ...(p.afterBefore?.after ?? [])])
        assert.ok(ids.includes(need), `${operation}: ${p.id} waits for ${need}, not one of its phases`);
    for (const patched of [() => true, () => false]) {
      const needs = phaseNeeds(phases, phases, patched);
      for (const p of phases) assert.ok(!ancestors(needs, p.id).has(p.id), `${operation}: ${p.id} waits for itself`);
    }
  }
});
