# LAB STAND-IN: watch (GET ...?watch=true), what kubectl wait, rollout status and Helm's --wait use.
# kube-apiserver streams etcd's change events; the stand-in polls its own list every half second and
# sends the differences as ADDED / MODIFIED / DELETED, one JSON event per line (application/json;
# stream=watch, chunked). It compares what a GET would return, not only resourceVersions, because some
# of what it serves is computed (a Node's Ready condition from its Lease, controller-made pods, workload
# status). Where a watch starts:
# - sendInitialEvents=true (client-go's WatchList, on by default in kubectl 1.37): every current object as
#   ADDED, then a BOOKMARK annotated k8s.io/initial-events-end;
# - no resourceVersion, or "0": every current object as ADDED (kube's "start at most recent" state);
# - resourceVersion R: the objects changed since R as MODIFIED (deletions between the client's list and the
#   watch are not replayed: no event history is kept), and every object of a computed kind as MODIFIED
#   (its computed state may have changed without a new resourceVersion).
import json
import time

POLL_SECONDS = 0.5
DEFAULT_TIMEOUT_SECONDS = 1800


def _rv(obj):
    return int((obj.get("metadata") or {}).get("resourceVersion") or 0)


def _ident(obj):
    meta = obj.get("metadata") or {}
    return meta.get("namespace"), meta.get("name")


def initial_events(current, params, computed=False):
    """The events a watch starts with, from the first list."""
    if params.get("sendInitialEvents") == "true":
        out = [("ADDED", obj) for obj in current["items"]]
        rv = current["metadata"].get("resourceVersion", "0")
        return out + [("BOOKMARK", {"kind": current["kind"].removesuffix("List"), "apiVersion": current["apiVersion"],
                                    "metadata": {"resourceVersion": rv, "annotations": {"k8s.io/initial-events-end": "true"}}})]
    since = int(params.get("resourceVersion") or 0)
    if not since:
        return [("ADDED", obj) for obj in current["items"]]
    return [("MODIFIED", obj) for obj in current["items"] if computed or _rv(obj) > since]


def changes(before, now):
    """The events between two lists (dicts by namespace/name)."""
    out = []
    for key, obj in now.items():
        if key not in before:
            out.append(("ADDED", obj))
        elif json.dumps(obj, sort_keys=True) != json.dumps(before[key], sort_keys=True):
            out.append(("MODIFIED", obj))
    out += [("DELETED", obj) for key, obj in before.items() if key not in now]
    return out


def later_events(first, list_now, params, gone, clock=time.monotonic, sleep=time.sleep):
    """The events after the first list, until timeoutSeconds or until gone() says the client left."""
    deadline = clock() + float(params.get("timeoutSeconds") or DEFAULT_TIMEOUT_SECONDS)
    seen = {_ident(o): o for o in first["items"]}
    while clock() < deadline and not gone():
        sleep(POLL_SECONDS)
        now = {_ident(o): o for o in list_now()["items"]}
        yield from changes(seen, now)
        seen = now
