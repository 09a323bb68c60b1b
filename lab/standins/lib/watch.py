# LAB STAND-IN: watch (GET ...?watch=true), what kubectl wait, rollout status and Helm's --wait use.
# kube-apiserver streams etcd's change events; the stand-in polls its own list every half second and
# sends the differences as ADDED / MODIFIED / DELETED, one JSON event per line (application/json;
# stream=watch, chunked). It compares what a GET would return, not only resourceVersions, because some
# of what it serves is computed (a Node's Ready condition from its Lease, controller-made pods).
# sendInitialEvents=true (client-go's WatchList, on by default in kubectl 1.37): every current object as
# ADDED, then a BOOKMARK annotated k8s.io/initial-events-end. Without it, a watch from resourceVersion R
# reports the objects changed after R as MODIFIED (deletions between the list and the watch are not
# replayed: no event history is kept).
import json
import time

POLL_SECONDS = 0.5
DEFAULT_TIMEOUT_SECONDS = 1800


def _rv(obj):
    return int((obj.get("metadata") or {}).get("resourceVersion") or 0)


def _ident(obj):
    meta = obj.get("metadata") or {}
    return meta.get("namespace"), meta.get("name")


def events(list_now, params, clock=time.monotonic, sleep=time.sleep):
    """The watch's events, as (type, object) pairs, until timeoutSeconds. list_now() → the current list."""
    deadline = clock() + float(params.get("timeoutSeconds") or DEFAULT_TIMEOUT_SECONDS)
    current = list_now()
    seen = {_ident(o): o for o in current["items"]}
    if params.get("sendInitialEvents") == "true":
        for obj in current["items"]:
            yield "ADDED", obj
        rv = current["metadata"].get("resourceVersion", "0")
        yield "BOOKMARK", {"kind": current["kind"].removesuffix("List"), "apiVersion": current["apiVersion"],
                           "metadata": {"resourceVersion": rv, "annotations": {"k8s.io/initial-events-end": "true"}}}
    else:
        since = int(params.get("resourceVersion") or 0)
        if since:
            for obj in current["items"]:
                if _rv(obj) > since:
                    yield "MODIFIED", obj
    while clock() < deadline:
        sleep(POLL_SECONDS)
        now = {_ident(o): o for o in list_now()["items"]}
        for key, obj in now.items():
            if key not in seen:
                yield "ADDED", obj
            elif json.dumps(obj, sort_keys=True) != json.dumps(seen[key], sort_keys=True):
                yield "MODIFIED", obj
        for key, obj in seen.items():
            if key not in now:
                yield "DELETED", obj
        seen = now
