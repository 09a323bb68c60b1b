# LAB STAND-IN: server-side apply (PATCH application/apply-patch+yaml), the part kubectl apply
# --server-side and Helm need. Like kube-apiserver: each manager's applied fields are recorded in
# metadata.managedFields (FieldsV1); a re-apply removes the fields the manager applied before and no
# longer applies (unless another manager owns them); a field another Apply manager owns with a different
# value is a 409 conflict unless force=true, which moves its ownership. Simplified: lists of objects that
# all carry `name` are associative (keyed by name, the merge key of containers, env, ports, volumes),
# every other list is atomic; ownership from Update operations (kubectl edit/patch) is not tracked.
import json

import standin_common as c

IDENTITY = {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace")}


class Conflict(Exception):
    def __init__(self, conflicts):
        super().__init__("; ".join(f'conflict with "{m}": {p}' for m, p in conflicts))
        self.conflicts = conflicts


def _keyed(items):
    return isinstance(items, list) and items and all(isinstance(x, dict) and "name" in x for x in items)


def field_set(obj, prefix=()):
    """The leaf paths an applied object sets: ('spec', 'replicas'), ('spec', 'k:name=web', 'image')."""
    out = set()
    if isinstance(obj, dict) and obj:
        for k, v in obj.items():
            out |= field_set(v, prefix + (k,))
    elif _keyed(obj):
        for item in obj:
            out |= field_set({k: v for k, v in item.items()}, prefix + (f"k:name={item['name']}",))
    else:
        out.add(prefix)
    return {p for p in out if p not in IDENTITY and p[:2] != ("metadata", "managedFields")}


def to_fields_v1(paths):
    """FieldsV1 as kube writes it: {"f:spec": {"f:replicas": {}}}, list items as k:{"name":"web"}."""
    root = {}
    for path in sorted(paths):
        node = root
        for part in path:
            key = 'k:{"name":' + json.dumps(part[len("k:name="):]) + "}" if part.startswith("k:name=") else f"f:{part}"
            node = node.setdefault(key, {})
    return root


def from_fields_v1(tree, prefix=()):
    """The leaf paths of a FieldsV1 tree; keys this model does not have (".", v:, k: without a name) skipped."""
    paths = set()
    for key, sub in (tree or {}).items():
        if key.startswith("k:"):
            try:
                part = f"k:name={json.loads(key[2:])['name']}"
            except (ValueError, KeyError, TypeError):
                continue
        elif key.startswith("f:"):
            part = key[2:]
        else:
            continue
        paths |= from_fields_v1(sub, prefix + (part,)) if sub else {prefix + (part,)}
    return paths


def _get(obj, path):
    for part in path:
        if part.startswith("k:name="):
            obj = next((x for x in obj if isinstance(x, dict) and x.get("name") == part[7:]), None) if isinstance(obj, list) else None
        else:
            obj = obj.get(part) if isinstance(obj, dict) else None
        if obj is None:
            return None
    return obj


def _remove(obj, path):
    """Removes a field, then the maps and list items it leaves empty (kube's SSA removes them with it)."""
    parent = _get(obj, path[:-1]) if len(path) > 1 else obj
    last = path[-1]
    if isinstance(parent, list) and last.startswith("k:name="):
        parent[:] = [x for x in parent if not (isinstance(x, dict) and x.get("name") == last[7:])]
    elif isinstance(parent, dict):
        parent.pop(last, None)
    if len(path) > 1 and parent in ({}, []) and path[:-1] not in IDENTITY and path[:-1] != ("metadata",):
        _remove(obj, path[:-1])


def apply(live, applied, manager, force, api_version):
    """The object after `manager` applies `applied` to `live` (None: the object does not exist yet)."""
    entries = [e for e in ((live or {}).get("metadata", {}).get("managedFields") or [])]
    mine = next((e for e in entries if e.get("manager") == manager and e.get("operation") == "Apply"), None)
    before = from_fields_v1(mine.get("fieldsV1")) if mine else set()
    now = field_set(applied)
    others = [(e, from_fields_v1(e.get("fieldsV1"))) for e in entries if e is not mine]
    merged = json.loads(json.dumps(live)) if live else {}
    conflicts = [(e.get("manager"), "." + ".".join(p)) for e, owned in others if e.get("operation") == "Apply"
                 for p in now & owned if _get(merged, p) != _get(applied, p)]
    if conflicts and not force:
        raise Conflict(conflicts)
    for path in sorted(before - now, key=len, reverse=True):
        if not any(path in owned for _, owned in others):
            _remove(merged, path)
    merged = c.strategic_merge(merged, json.loads(json.dumps(applied)))
    stamp = c.now_rfc3339()
    kept = []
    for e, owned in others:
        if force and e.get("operation") == "Apply":
            owned = owned - now
            if not owned:
                continue
            e = {**e, "fieldsV1": to_fields_v1(owned)}
        kept.append(e)
    entry = {"manager": manager, "operation": "Apply", "apiVersion": api_version, "time": stamp, "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(now)}
    if mine and from_fields_v1(mine.get("fieldsV1")) == now:
        entry["time"] = mine.get("time", stamp)
    # this manager's entry where it was (a no-op apply leaves managedFields as they were), new ones first
    at = entries.index(mine) if mine else 0
    kept.insert(min(at, len(kept)), entry)
    merged.setdefault("metadata", {})["managedFields"] = kept
    return merged
