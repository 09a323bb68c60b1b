# LAB STAND-IN for kubectl (not Kubernetes): the subcommands an install and its checks use, against the
# API server stand-in with a kubeconfig: get (tables, -o json|yaml|wide|name|jsonpath=|custom-columns=,
# --raw), apply -f FILE|URL|-, patch (strategic merge by `name`), create token, wait --for=condition=Ready,
# version. Output is shaped like kubectl's.
import argparse
import json
import os
import re
import sys
import time
import urllib.request

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import standin_common as c  # noqa: E402

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
ALIASES = {  # name or short name -> (group, version, plural, kind, namespaced)
    ("no", "node", "nodes"): ("", "v1", "nodes", "Node", False),
    ("po", "pod", "pods"): ("", "v1", "pods", "Pod", True),
    ("svc", "service", "services"): ("", "v1", "services", "Service", True),
    ("ns", "namespace", "namespaces"): ("", "v1", "namespaces", "Namespace", False),
    ("cm", "configmap", "configmaps"): ("", "v1", "configmaps", "ConfigMap", True),
    ("secret", "secrets"): ("", "v1", "secrets", "Secret", True),
    ("sa", "serviceaccount", "serviceaccounts"): ("", "v1", "serviceaccounts", "ServiceAccount", True),
    ("ds", "daemonset", "daemonsets"): ("apps", "v1", "daemonsets", "DaemonSet", True),
    ("deploy", "deployment", "deployments"): ("apps", "v1", "deployments", "Deployment", True),
    ("lease", "leases"): ("coordination.k8s.io", "v1", "leases", "Lease", True),
    ("clusterrolebinding", "clusterrolebindings"): ("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False),
    ("csr", "certificatesigningrequest", "certificatesigningrequests"): ("certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", False),
    ("crd", "crds", "customresourcedefinition", "customresourcedefinitions"): ("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False),
}


class UserError(Exception):
    pass


def lookup_alias(name):
    for names, gvr in ALIASES.items():
        if name.lower() in names:
            return gvr
    raise UserError(f'error: the server doesn\'t have a resource type "{name}"')


def ref(gvr, name):
    return f"{gvr[3].lower()}{'.' + gvr[0] if gvr[0] else ''}/{name}"


# ------------------------------------------------------------------------------------------ JSONPath (the subset used)
def jp_eval(obj, expr):
    expr = expr.strip()
    if expr.startswith("{") and expr.endswith("}"):
        expr = expr[1:-1]
    values = [obj]
    for tok in re.findall(r"\[\?\(@\.[^\]]*\)\]|\[[^\]]*\]|\.[^.\[]+", expr):
        nxt = []
        for v in values:
            if tok.startswith("[?("):
                m = re.match(r'\[\?\(@\.([\w.]+)\s*==\s*["\']([^"\']*)["\']\)\]', tok)
                if not m:
                    raise UserError(f"error: error parsing jsonpath {expr}: unsupported filter")
                for item in v if isinstance(v, list) else []:
                    found = jp_eval(item, "." + m.group(1))
                    if found and str(found[0]) == m.group(2):
                        nxt.append(item)
            elif tok == "[*]":
                nxt += v if isinstance(v, list) else list(v.values()) if isinstance(v, dict) else []
            elif tok.startswith("["):
                i = int(tok[1:-1])
                if isinstance(v, list) and -len(v) <= i < len(v):
                    nxt.append(v[i])
            else:
                if isinstance(v, dict) and tok[1:] in v:
                    nxt.append(v[tok[1:]])
        values = nxt
    return values


def jp_text(value):
    return json.dumps(value, separators=(",", ":")) if isinstance(value, (dict, list)) else ("true" if value is True else "false" if value is False else str(value))


def jsonpath_template(obj, template):
    out = ""
    for literal, expr in re.findall(r"([^{]*)(\{[^}]*\})?", template):
        out += literal
        if expr:
            out += " ".join(jp_text(v) for v in jp_eval(obj, expr))
    return out


# ------------------------------------------------------------------------------------------ tables
def age(ts):
    if not ts:
        return "<unknown>"
    s = max(0, int(time.time() - c.parse_rfc3339(ts)))
    return f"{s}s" if s < 120 else f"{s // 60}m" if s < 7200 else f"{s // 3600}h" if s < 172800 else f"{s // 86400}d"


def ready_condition(obj):
    return next((x["status"] for x in obj.get("status", {}).get("conditions", []) if x["type"] == "Ready"), "Unknown")


def table_row(gvr, o, wide):
    m = o["metadata"]
    if gvr[2] == "nodes":
        roles = ",".join(sorted(k.split("/", 1)[1] for k in m.get("labels", {}) if k.startswith("node-role.kubernetes.io/"))) or "<none>"
        row = {"NAME": m["name"], "STATUS": "Ready" if ready_condition(o) == "True" else "NotReady", "ROLES": roles, "AGE": age(m.get("creationTimestamp")),
               "VERSION": o.get("status", {}).get("nodeInfo", {}).get("kubeletVersion", "")}
        if wide:
            info = o.get("status", {}).get("nodeInfo", {})
            row["INTERNAL-IP"] = next((a["address"] for a in o.get("status", {}).get("addresses", []) if a["type"] == "InternalIP"), "<none>")
            row["OS-IMAGE"], row["CONTAINER-RUNTIME"] = info.get("osImage", ""), info.get("containerRuntimeVersion", "")
        return row
    if gvr[2] == "pods":
        st = o.get("status", {}).get("containerStatuses", [])
        return {"NAME": m["name"], "READY": f"{sum(1 for x in st if x.get('ready'))}/{len(st)}", "STATUS": o.get("status", {}).get("phase", ""),
                "RESTARTS": str(sum(x.get("restartCount", 0) for x in st)), "AGE": age(m.get("creationTimestamp"))}
    if gvr[2] == "services":
        s = o.get("spec", {})
        ports = ",".join(f"{p['port']}{':' + str(p['nodePort']) if p.get('nodePort') else ''}/{p.get('protocol', 'TCP')}" for p in s.get("ports", []))
        return {"NAME": m["name"], "TYPE": s.get("type", "ClusterIP"), "CLUSTER-IP": s.get("clusterIP", ""),
                "EXTERNAL-IP": ",".join(s.get("externalIPs", [])) or "<none>", "PORT(S)": ports, "AGE": age(m.get("creationTimestamp"))}
    return {"NAME": m["name"], "AGE": age(m.get("creationTimestamp"))}


def print_table(rows, no_headers):
    if not rows:
        return
    cols = list(rows[0].keys())
    lines = ([cols] if not no_headers else []) + [[r.get(k, "") for k in cols] for r in rows]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(cols))]
    for line in lines:
        print("   ".join(str(v).ljust(widths[i]) for i, v in enumerate(line)).rstrip())


# ------------------------------------------------------------------------------------------ commands
class Kubectl:
    def __init__(self, a):
        self.a = a
        self.client = c.Client(a.kubeconfig, server=a.server, timeout=a.request_timeout)
        self.discovery = {}

    def gvr_of(self, api_version, kind):
        if api_version not in self.discovery:
            path = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
            try:
                self.discovery[api_version] = self.client.get(path)["resources"]
            except c.ApiError:
                self.discovery[api_version] = []
        for r in self.discovery[api_version]:
            if r["kind"] == kind:
                group, version = api_version.split("/") if "/" in api_version else ("", api_version)
                return group, version, r["name"], kind, r["namespaced"]
        raise UserError(f'resource mapping not found for kind "{kind}" in version "{api_version}"\nensure CRDs are installed first')

    def ns(self, gvr, obj_ns=None):
        return (obj_ns or self.a.namespace or "default") if gvr[4] else None

    def get(self):
        a = self.a
        if a.raw:
            code, body = self.client.request("GET", a.raw, raw=True)
            if code >= 400:
                raise UserError(f"Error from server: {body}")
            print(body)
            return
        if not a.args:
            raise UserError("You must specify the type of resource to get.")
        first, names = a.args[0], a.args[1:]
        if "/" in first:
            first, names = first.split("/", 1)[0], [first.split("/", 1)[1]]
        gvr = lookup_alias(first)
        ns = None if a.all_namespaces else self.ns(gvr)
        if names:
            items = [self.client.get(c.object_path(gvr[2], gvr[0], gvr[1], n, ns)) for n in names]
        else:
            items = self.client.get(c.object_path(gvr[2], gvr[0], gvr[1], None, ns))["items"]
            if not items and not a.output:
                print(f"No resources found{' in ' + ns + ' namespace' if ns else ''}.", file=sys.stderr)
                return
        self.output(gvr, items, single=len(names) == 1)

    def output(self, gvr, items, single):
        a, out = self.a, self.a.output or ""
        if out in ("json", "yaml"):
            doc = items[0] if single else {"apiVersion": "v1", "kind": "List", "items": items, "metadata": {}}
            print(json.dumps(doc, indent=4) if out == "json" else yaml.safe_dump(doc, sort_keys=False), end="\n" if out == "json" else "")
        elif out.startswith("jsonpath="):
            doc = items[0] if single else {"apiVersion": "v1", "kind": "List", "items": items}
            print(jsonpath_template(doc, out[len("jsonpath="):].strip("'")), end="")
        elif out.startswith("custom-columns="):
            cols = [col.split(":", 1) for col in out[len("custom-columns="):].split(",")]
            rows = [{h: " ".join(jp_text(v) for v in jp_eval(o, e)) or "<none>" for h, e in cols} for o in items]
            print_table(rows, a.no_headers)
        elif out == "name":
            for o in items:
                print(ref(gvr, o["metadata"]["name"]))
        else:
            rows = []
            for o in items:
                row = table_row(gvr, o, out == "wide")
                rows.append({"NAMESPACE": o["metadata"].get("namespace", ""), **row} if a.all_namespaces and gvr[4] else row)
            print_table(rows, a.no_headers)

    def documents(self, source):
        if source == "-":
            text = sys.stdin.read()
        elif re.match(r"^https?://", source):
            try:
                with urllib.request.urlopen(source, timeout=30) as resp:
                    text = resp.read().decode()
            except OSError as e:
                raise UserError(f'error: unable to read URL "{source}", server reported {e}')
        else:
            if not os.path.exists(source):
                raise UserError(f'error: the path "{source}" does not exist')
            with open(source) as f:
                text = f.read()
        docs = []
        for d in yaml.safe_load_all(text):
            if not d:
                continue
            docs += d["items"] if d.get("kind", "").endswith("List") and "items" in d else [d]
        return docs

    def apply(self):
        failed = None
        for source in self.a.filename:
            for obj in self.documents(source):
                try:
                    print(self.apply_one(obj, source))
                except c.ApiError as e:
                    failed = f'Error from server ({e.body.get("reason", "")}): error when applying "{source}": {e}'
                    print(failed, file=sys.stderr)
        if failed:
            sys.exit(1)

    def apply_one(self, obj, source):
        gvr = self.gvr_of(obj.get("apiVersion", ""), obj.get("kind", ""))
        meta = obj.setdefault("metadata", {})
        ns = self.ns(gvr, meta.get("namespace"))
        if gvr[4]:
            meta["namespace"] = ns
        config = json.dumps(obj, sort_keys=True, separators=(",", ":"))
        path = c.object_path(gvr[2], gvr[0], gvr[1], meta["name"], ns)
        try:
            live = self.client.get(path)
        except c.ApiError as e:
            if e.status != 404:
                raise
            meta.setdefault("annotations", {})[LAST_APPLIED] = config
            self.client.request("POST", c.object_path(gvr[2], gvr[0], gvr[1], None, ns), obj)
            return f"{ref(gvr, meta['name'])} created"
        if (live["metadata"].get("annotations") or {}).get(LAST_APPLIED) == config:
            return f"{ref(gvr, meta['name'])} unchanged"
        # Stand-in: no three-way merge; the new configuration replaces the live object (status kept).
        meta.setdefault("annotations", {})[LAST_APPLIED] = config
        if "status" in live and "status" not in obj:
            obj["status"] = live["status"]
        self.client.request("PUT", path, obj)
        return f"{ref(gvr, meta['name'])} configured"

    def patch(self):
        a = self.a
        kind, name = (a.args[0].split("/", 1) if "/" in a.args[0] else (a.args[0], a.args[1]))
        gvr = lookup_alias(kind)
        if a.patch_file:
            with open(a.patch_file) as f:
                patch = yaml.safe_load(f)
        else:
            patch = json.loads(a.patch)
        path = c.object_path(gvr[2], gvr[0], gvr[1], name, self.ns(gvr))
        live = self.client.get(path)
        merged = strategic_merge(json.loads(json.dumps(live)), patch, a.type == "strategic")
        if merged == live:
            print(f"{ref(gvr, name)} patched (no change)")
            return
        self.client.request("PUT", path, merged)
        print(f"{ref(gvr, name)} patched")

    def create_token(self):
        sa = self.a.args[1]
        seconds = c.parse_duration(self.a.duration) if self.a.duration else 3600
        out = self.client.request("POST", f"/api/v1/namespaces/{self.a.namespace or 'default'}/serviceaccounts/{sa}/token",
                                  {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"expirationSeconds": seconds}})
        print(out["status"]["token"])

    def wait(self):
        a = self.a
        m = re.match(r"^condition=(\w+)(?:=(\w+))?$", a.for_ or "")
        if not m:
            raise UserError("error: --for must be condition=NAME[=VALUE] in this stand-in")
        cond, want = m.group(1), m.group(2) or "True"
        targets = []
        for arg in a.args:
            kind, _, name = arg.partition("/")
            targets.append((lookup_alias(kind), name))
        if a.all:
            gvr = targets[0][0] if targets else lookup_alias("nodes")
            targets = [(gvr, o["metadata"]["name"]) for o in self.client.get(c.object_path(gvr[2], gvr[0], gvr[1], None, self.ns(gvr)))["items"]]
        deadline = time.time() + c.parse_duration(a.timeout)
        for gvr, name in targets:
            while True:
                o = self.client.get(c.object_path(gvr[2], gvr[0], gvr[1], name, self.ns(gvr)))
                if any(x["type"] == cond and x["status"] == want for x in o.get("status", {}).get("conditions", [])):
                    print(f"{ref(gvr, name)} condition met")
                    break
                if time.time() > deadline:
                    raise UserError(f"error: timed out waiting for the condition on {gvr[2]}/{name}")
                time.sleep(1)


def strategic_merge(live, patch, by_name=True):
    if isinstance(live, dict) and isinstance(patch, dict):
        for k, v in patch.items():
            if v is None:
                live.pop(k, None)
            else:
                live[k] = strategic_merge(live.get(k), v, by_name)
        return live
    if by_name and isinstance(live, list) and isinstance(patch, list) and all(isinstance(x, dict) and "name" in x for x in live + patch):
        out = list(live)
        for item in patch:
            i = next((i for i, x in enumerate(out) if x["name"] == item["name"]), None)
            if i is None:
                out.append(item)
            else:
                out[i] = strategic_merge(out[i], item, by_name)
        return out
    return patch


def main():
    p = argparse.ArgumentParser(prog="kubectl", description=f"kubectl {c.VERSION} ({c.STANDIN_NOTE})")
    p.add_argument("--kubeconfig", default=os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config"))
    p.add_argument("-s", "--server")
    p.add_argument("-n", "--namespace")
    p.add_argument("-A", "--all-namespaces", action="store_true")
    p.add_argument("-o", "--output")
    p.add_argument("--no-headers", action="store_true")
    p.add_argument("--raw")
    p.add_argument("-f", "--filename", action="append", default=[])
    p.add_argument("--patch-file")
    p.add_argument("-p", "--patch")
    p.add_argument("--type", default="strategic")
    p.add_argument("--duration")
    p.add_argument("--for", dest="for_")
    p.add_argument("--all", action="store_true")
    p.add_argument("--timeout", default="30s")
    p.add_argument("--request-timeout", type=int, default=10)
    p.add_argument("--client", action="store_true")
    p.add_argument("command")
    p.add_argument("args", nargs="*")
    a = p.parse_intermixed_args()
    try:
        if a.command == "version":
            print(f"Client Version: {c.VERSION}-labstandin")
            return
        k = Kubectl(a)
        if a.command == "get":
            k.get()
        elif a.command == "apply":
            if not a.filename:
                raise UserError("error: must specify one of -f and -k")
            k.apply()
        elif a.command == "patch":
            k.patch()
        elif a.command == "create" and a.args[:1] == ["token"]:
            k.create_token()
        elif a.command == "wait":
            k.wait()
        else:
            raise UserError(f'error: unknown command "{a.command} {" ".join(a.args)}" for kubectl ({c.STANDIN_NOTE}: only get, apply, patch, create token, wait, version)')
    except (UserError, ValueError) as e:
        print(str(e) if isinstance(e, UserError) else f"error: {e}", file=sys.stderr)
        sys.exit(1)
    except c.ApiError as e:
        reason = e.body.get("reason", "") if isinstance(e.body, dict) else ""
        print(f"Error from server ({reason}): {e}" if reason else f"error: {e}", file=sys.stderr)
        sys.exit(1)
    except OSError as e:
        print(f"The connection to the server {a.server or ''} was refused - did you specify the right host or port? ({e})", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
