# LAB STAND-IN: the API server's OpenAPI v3 discovery (/openapi/v3 and one document per group/version),
# written from the stand-in's own kind table. What the real kubectl reads from it: whether a kind's PATCH
# takes the `fieldValidation` parameter (then kubectl leaves validation to the server and sends
# fieldValidation=Strict instead of downloading the whole schema to validate itself). The documents carry
# paths and operations only, no component schemas: kubectl apply then computes strategic merge patches
# from the types compiled into it, as it does for any server without schemas.
import hashlib
import json

_PARAMS = [{"name": n, "in": "query", "schema": {"type": "string", "uniqueItems": True}} for n in ("dryRun", "fieldManager", "fieldValidation")]


def gv_path(group, version):
    return f"apis/{group}/{version}" if group else f"api/{version}"


def gv_document(kinds, group, version):
    """The OpenAPI v3 document of one group/version; None when the stand-in serves no kind in it."""
    paths = {}
    for g, v, plural, kind, namespaced in kinds:
        if (g, v) != (group, version):
            continue
        gvk = {"group": g, "version": v, "kind": kind}
        base = f"/{gv_path(g, v)}/{'namespaces/{namespace}/' if namespaced else ''}{plural}"
        op = lambda action: {"x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk, "parameters": _PARAMS,  # noqa: E731
                             "responses": {"200": {"description": "OK"}}}
        paths[base] = {"get": op("list"), "post": op("post")}
        paths[base + "/{name}"] = {"get": op("get"), "put": op("put"), "patch": op("patch"), "delete": op("delete")}
    if not paths:
        return None
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes (lab stand-in)", "version": "unversioned"}, "paths": paths, "components": {"schemas": {}}}


def index(kinds):
    """GET /openapi/v3: each group/version's document with a hash of its content (clients cache by it)."""
    out = {}
    for g, v in sorted({(k[0], k[1]) for k in kinds}):
        doc = gv_document(kinds, g, v)
        digest = hashlib.sha512(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:64].upper()
        out[gv_path(g, v)] = {"serverRelativeURL": f"/openapi/v3/{gv_path(g, v)}?hash={digest}"}
    return {"paths": out}
