// The lab API server stand-in's watch events and server-side apply (lab/standins/lib/watch.py, ssa.py),
// run by python3 on hand-made lists and objects: what kubectl wait / rollout status / helm --wait and
// kubectl apply --server-side rely on. The lab e2e test runs them with the real clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noPython, runStandinPython } from '../helpers/standin-lib';

/** Runs a python3 snippet with the stand-in's lib on sys.path; its last printed line is JSON. */
function py(code: string): unknown {
  return JSON.parse(runStandinPython(code).trim().split('\n').pop()!);
}

const LIST = `
def obj(name, rv, **extra):
    return {"metadata": {"name": name, "namespace": "ns", "resourceVersion": str(rv)}, **extra}
first = {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "20"}, "items": [obj("a", 10), obj("b", 15)]}
`;

test('watch: where it starts (WatchList, no resourceVersion, from a resourceVersion, computed kinds)', (t) => {
  if (noPython) return t.skip(noPython);
  const out = py(`import watch${LIST}
kinds = lambda events: [(k, o["metadata"].get("name", "")) for k, o in events]
print(json.dumps({
  "watchList": kinds(watch.initial_events(first, {"sendInitialEvents": "true"})),
  "bookmark": watch.initial_events(first, {"sendInitialEvents": "true"})[-1][1]["metadata"],
  "noVersion": kinds(watch.initial_events(first, {})),
  "since12": kinds(watch.initial_events(first, {"resourceVersion": "12"})),
  "since12computed": kinds(watch.initial_events(first, {"resourceVersion": "12"}, computed=True)),
}))`) as Record<string, unknown>;
  assert.deepEqual(out.watchList, [
    ['ADDED', 'a'],
    ['ADDED', 'b'],
    ['BOOKMARK', ''],
  ]);
  assert.deepEqual(out.bookmark, { resourceVersion: '20', annotations: { 'k8s.io/initial-events-end': 'true' } });
  assert.deepEqual(out.noVersion, [
    ['ADDED', 'a'],
    ['ADDED', 'b'],
  ]);
  assert.deepEqual(out.since12, [['MODIFIED', 'b']]);
  assert.deepEqual(out.since12computed, [
    ['MODIFIED', 'a'],
    ['MODIFIED', 'b'],
  ]);
});

test('watch: later events from successive lists; stops when the client is gone or at timeoutSeconds', (t) => {
  if (noPython) return t.skip(noPython);
  const out = py(`import watch${LIST}
lists = iter([
  {"items": [obj("a", 10), obj("b", 16), obj("c", 17)]},   # b modified, c added
  {"items": [obj("b", 16), obj("c", 17)]},                 # a deleted
  {"items": [obj("b", 16), obj("c", 17)]},                 # nothing
])
polls = []
def gone():
    return len(polls) >= 3
def list_now():
    polls.append(1)
    return next(lists)
events = [(k, o["metadata"]["name"]) for k, o in watch.later_events(first, list_now, {}, gone, sleep=lambda s: None)]
now = [0.0]
def clock():
    now[0] += 1
    return now[0]
timed = list(watch.later_events(first, lambda: first, {"timeoutSeconds": "3"}, lambda: False, clock=clock, sleep=lambda s: None))
print(json.dumps({"events": events, "polls": len(polls), "timedEvents": len(timed), "clockReads": now[0]}))`) as Record<string, unknown>;
  assert.deepEqual(out.events, [
    ['MODIFIED', 'b'],
    ['ADDED', 'c'],
    ['DELETED', 'a'],
  ]);
  assert.equal(out.polls, 3, 'no poll after the client is gone');
  assert.equal(out.timedEvents, 0);
  assert.ok((out.clockReads as number) <= 5, 'stops at the timeout');
});

test('server-side apply: create, re-apply drops what the manager no longer applies (and the maps it empties), conflicts, force', (t) => {
  if (noPython) return t.skip(noPython);
  const out = py(`import ssa
cm = lambda data, **meta: {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", **meta}, "data": data}
one = ssa.apply(None, cm({"k": "v", "j": "w"}, labels={"app": "x"}), "kubectl", False, "v1")
two = ssa.apply(one, cm({"k": "v"}), "kubectl", False, "v1")
other = ssa.apply(two, cm({"z": "1"}), "helm", False, "v1")
noop = ssa.apply(other, cm({"k": "v"}), "kubectl", False, "v1")
try:
    ssa.apply(noop, cm({"k": "changed"}), "helm", False, "v1")
    conflict = None
except ssa.Conflict as e:
    conflict = str(e)
forced = ssa.apply(noop, cm({"k": "changed"}), "helm", True, "v1")
owners = lambda o: {e["manager"]: e["fieldsV1"] for e in o["metadata"]["managedFields"]}
print(json.dumps({
  "one": one["data"], "oneLabels": one["metadata"].get("labels"), "oneOwners": owners(one),
  "two": two["data"], "twoMeta": sorted(two["metadata"]),
  "otherData": other["data"], "noopSame": noop == other,
  "conflict": conflict, "forced": forced["data"], "forcedOwners": owners(forced),
}))`) as Record<string, unknown>;
  assert.deepEqual(out.one, { k: 'v', j: 'w' });
  assert.deepEqual(out.oneLabels, { app: 'x' });
  assert.deepEqual(out.oneOwners, { kubectl: { 'f:data': { 'f:j': {}, 'f:k': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } } });
  assert.deepEqual(out.two, { k: 'v' });
  assert.deepEqual(out.twoMeta, ['managedFields', 'name'], 'labels, emptied, removed with the label');
  assert.deepEqual(out.otherData, { k: 'v', z: '1' });
  assert.equal(out.noopSame, true, 'a no-op apply leaves the object (managedFields included) as it was');
  assert.equal(out.conflict, 'conflict with "kubectl": .data.k');
  assert.deepEqual(out.forced, { k: 'changed' }, 'z, which helm applied before and not now, removed');
  assert.deepEqual(out.forcedOwners, { helm: { 'f:data': { 'f:k': {} } } }, 'force: helm owns k; kubectl, left with nothing, goes');
});
