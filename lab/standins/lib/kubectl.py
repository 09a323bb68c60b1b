# LAB STAND-IN for kubectl (not Kubernetes): the subcommands an install, its checks and a node removal use,
# against the API server stand-in with a kubeconfig: get (tables, -o json|yaml|wide|name|jsonpath=|
# custom-columns=, -l, --field-selector, --raw), apply -f FILE|URL|-, patch (server-side PATCH: strategic,
# merge, json), create token, wait --for=condition=Ready, cordon, uncordon, drain (eviction API, PDB retries),
# delete, annotate, label, version. Output, streams and exit codes are shaped like kubectl 1.37's.
import argparse
import json
import os
import re
import sys
import threading
import time
import urllib.parse
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
    ("ep", "endpoints"): ("", "v1", "endpoints", "Endpoints", True),
    ("sts", "statefulset", "statefulsets"): ("apps", "v1", "statefulsets", "StatefulSet", True),
    ("job", "jobs"): ("batch", "v1", "jobs", "Job", True),
    ("pdb", "poddisruptionbudget", "poddisruptionbudgets"): ("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True),
    ("clusterrole", "clusterroles"): ("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
    ("role", "roles"): ("rbac.authorization.k8s.io", "v1", "roles", "Role", True),
    ("rolebinding", "rolebindings"): ("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True),
    ("ing", "ingress", "ingresses"): ("networking.k8s.io", "v1", "ingresses", "Ingress", True),
    ("ingressclass", "ingressclasses"): ("networking.k8s.io", "v1", "ingressclasses", "IngressClass", False),
    ("netpol", "networkpolicy", "networkpolicies"): ("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True),
    ("pc", "priorityclass", "priorityclasses"): ("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", False),
}
BOOL_FLAGS = {"ignore-daemonsets", "delete-emptydir-data", "force", "disable-eviction", "ignore-not-found", "wait", "overwrite",
              "all", "all-namespaces", "no-headers"}


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
    for tok in re.findall(r"\[\?\(@\.[^\]]*\)\]|\[[^\]]*\]|\.(?:\\\.|[^.\[])+", expr):
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
                key = tok[1:].replace("\\.", ".")  # {.metadata.annotations.example\.com/key}
                if isinstance(v, dict) and key in v:
                    nxt.append(v[key])
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
        status = "Ready" if ready_condition(o) == "True" else "NotReady"
        if (o.get("spec") or {}).get("unschedulable"):
            status += ",SchedulingDisabled"
        row = {"NAME": m["name"], "STATUS": status, "ROLES": roles, "AGE": age(m.get("creationTimestamp")),
               "VERSION": o.get("status", {}).get("nodeInfo", {}).get("kubeletVersion", "")}
        if wide:
            info = o.get("status", {}).get("nodeInfo", {})
            row["INTERNAL-IP"] = next((a["address"] for a in o.get("status", {}).get("addresses", []) if a["type"] == "InternalIP"), "<none>")
            row["OS-IMAGE"], row["CONTAINER-RUNTIME"] = info.get("osImage", ""), info.get("containerRuntimeVersion", "")
        return row
    if gvr[2] == "pods":
        st = o.get("status", {}).get("containerStatuses", [])
        containers = (o.get("spec") or {}).get("containers") or []
        row = {"NAME": m["name"], "READY": f"{sum(1 for x in st if x.get('ready'))}/{len(containers) or len(st)}", "STATUS": o.get("status", {}).get("phase", ""),
               "RESTARTS": str(sum(x.get("restartCount", 0) for x in st)), "AGE": age(m.get("creationTimestamp"))}
        if wide:
            row.update({"IP": o.get("status", {}).get("podIP", "<none>"), "NODE": (o.get("spec") or {}).get("nodeName", "<none>"),
                        "NOMINATED NODE": "<none>", "READINESS GATES": "<none>"})
        return row
    if gvr[2] == "poddisruptionbudgets":
        spec, st = o.get("spec") or {}, o.get("status") or {}
        return {"NAME": m["name"], "MIN AVAILABLE": str(spec.get("minAvailable", "N/A")), "MAX UNAVAILABLE": str(spec.get("maxUnavailable", "N/A")),
                "ALLOWED DISRUPTIONS": str(st.get("disruptionsAllowed", 0)), "AGE": age(m.get("creationTimestamp"))}
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
            query = {k: v for k, v in (("labelSelector", a.selector), ("fieldSelector", a.field_selector)) if v}
            items = self.client.get(c.object_path(gvr[2], gvr[0], gvr[1], None, ns) + (f"?{urllib.parse.urlencode(query)}" if query else ""))["items"]
            if not items and not a.output:
                print(f"No resources found{' in ' + ns + ' namespace' if ns else ''}.", file=sys.stderr)
                return
        self.output(gvr, items, single=len(names) == 1)

    def output(self, gvr, items, single):
        a, out = self.a, (self.a.output or "").lstrip("=")
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
        media = {"strategic": "application/strategic-merge-patch+json", "merge": "application/merge-patch+json", "json": "application/json-patch+json"}.get(a.type)
        if not media:
            raise UserError(f'error: --type must be one of [json merge strategic], not "{a.type}"')
        live = self.client.get(path)  # as kubectl: the object first, then the PATCH, and compare
        patched = self.client.request("PATCH", path, patch, content_type=media)
        same = {k: v for k, v in patched.items() if k != "status"} == {k: v for k, v in live.items() if k != "status"}
        print(f"{ref(gvr, name)} patched{' (no change)' if same else ''}")

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


    # -------------------------------------------------------------------------------- node maintenance
    def node_objects(self, names, usage):
        if not names:
            raise UserError(f"error: USAGE: {usage} [flags]\nSee 'kubectl {usage.split()[0]} -h' for help and examples")
        return [self.client.get(f"/api/v1/nodes/{n}") for n in names]  # NotFound: "Error from server (NotFound): nodes "x" not found"

    def cordon_nodes(self, nodes, desired):
        """RunCordonOrUncordon: a strategic-merge PATCH of spec.unschedulable (kubectl's two-way patch)."""
        verb = "cordon" if desired else "uncordon"
        for node in nodes:
            name = node["metadata"]["name"]
            if bool((node.get("spec") or {}).get("unschedulable")) == desired:
                print(f"node/{name} already {verb}ed", flush=True)
                continue
            try:
                self.client.request("PATCH", f"/api/v1/nodes/{name}", {"spec": {"unschedulable": True if desired else None}},
                                    content_type="application/strategic-merge-patch+json")
            except c.ApiError as e:
                print(f'error: unable to {verb} node "{name}": {e}', file=sys.stderr, flush=True)
                continue
            node.setdefault("spec", {})["unschedulable"] = desired
            print(f"node/{name} {verb}ed", flush=True)

    def cordon(self, desired):
        self.cordon_nodes(self.node_objects(self.a.args, "cordon NODE" if desired else "uncordon NODE"), desired)

    def pods_for_deletion(self, node):
        """drain.Helper.GetPodsForDeletion: the node's pods through its filters (deleted, DaemonSet, mirror,
        local storage, unreplicated), in kubectl's order; returns (items, errors, warnings)."""
        a = self.a
        query = {"fieldSelector": f"spec.nodeName={node}"}
        if a.pod_selector:
            query["labelSelector"] = a.pod_selector
        pods = self.client.get(f"/api/v1/pods?{urllib.parse.urlencode(query)}")["items"]
        items = []
        for pod in pods:
            status = ("Okay", True, "")
            for check in (self.daemonset_filter, self.mirror_filter, self.local_storage_filter, self.unreplicated_filter):
                status = check(pod)
                if not status[1]:
                    break
            items.append((pod, status))

        def grouped(reason):
            out = {}
            for pod, (r, _, msg) in items:
                if r == reason:
                    out.setdefault(msg or "unexpected error", []).append(f"{pod['metadata']['namespace']}/{pod['metadata']['name']}")
            return out
        errors = [GoError(f"{msg if msg.lower().startswith('cannot delete') else 'cannot delete ' + msg}: {', '.join(p)}")
                  for msg, p in grouped("Error").items()]
        warnings = "; ".join(f"{msg}: {', '.join(p)}" for msg, p in grouped("Warning").items())
        return [pod for pod, st in items if st[1]], errors, warnings

    @staticmethod
    def controller_of(pod):
        return next((o for o in pod["metadata"].get("ownerReferences") or [] if o.get("controller")), None)

    def daemonset_filter(self, pod):
        ref_ = self.controller_of(pod)
        if not ref_ or ref_.get("kind") != "DaemonSet" or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return ("Okay", True, "")
        try:
            self.client.get(f"/apis/apps/v1/namespaces/{pod['metadata']['namespace']}/daemonsets/{ref_['name']}")
        except c.ApiError as e:
            if e.status == 404 and self.a.force:
                return ("Warning", True, str(e))
            return ("Error", False, str(e))
        if not self.a.ignore_daemonsets:
            return ("Error", False, "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)")
        return ("Warning", False, "ignoring DaemonSet-managed Pods")

    @staticmethod
    def mirror_filter(pod):
        return ("Skip", False, "") if "kubernetes.io/config.mirror" in (pod["metadata"].get("annotations") or {}) else ("Okay", True, "")

    def local_storage_filter(self, pod):
        if not any("emptyDir" in v for v in (pod.get("spec") or {}).get("volumes") or []) or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return ("Okay", True, "")
        if not self.a.delete_emptydir_data:
            return ("Error", False, "Pods with local storage (use --delete-emptydir-data to override)")
        return ("Warning", True, "deleting Pods with local storage")

    def unreplicated_filter(self, pod):
        if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed") or self.controller_of(pod):
            return ("Okay", True, "")
        if self.a.force:
            return ("Warning", True, "deleting Pods that declare no controller")
        return ("Error", False, "cannot delete Pods that declare no controller (use --force to override)")

    def eviction_supported(self):
        for r in self.client.get("/api/v1").get("resources", []):
            if r.get("name") == "pods/eviction" and r.get("kind") == "Eviction" and r.get("group") and r.get("version"):
                return True
        return False

    def delete_options(self):
        opts = {}
        if self.a.grace_period >= 0:
            opts["gracePeriodSeconds"] = self.a.grace_period
        return opts

    def wait_for_delete(self, pod, deadline, verb, say):
        """waitForDelete: every second until the pod is gone or has another uid."""
        ns, name, uid = pod["metadata"]["namespace"], pod["metadata"]["name"], pod["metadata"].get("uid")
        while True:
            try:
                fresh = self.client.get(f"/api/v1/namespaces/{ns}/pods/{name}")
                gone = fresh["metadata"].get("uid") != uid
            except c.ApiError as e:
                if e.status != 404:
                    return GoError(f'error when waiting for pod "{name}" in namespace "{ns}" to terminate: {e}')
                gone = True
            if gone:
                say(sys.stdout, f"pod/{name} {verb}")
                return None
            if time.time() >= deadline:
                return GoError(f'error when waiting for pod "{name}" in namespace "{ns}" to terminate: context deadline exceeded')
            time.sleep(1)

    def evict_pods(self, pods, timeout):
        """drain.Helper.evictPods: one goroutine per pod; 429 (a PodDisruptionBudget) retried every 5 s until
        --timeout (0: forever)."""
        lock = threading.Lock()

        def say(stream, text):
            with lock:
                print(text, file=stream, flush=True)
        deadline = time.time() + timeout if timeout else float("inf")
        errors = [None] * len(pods)

        def run(i, pod):
            active = pod
            while True:
                ns, name = active["metadata"]["namespace"], active["metadata"]["name"]
                say(sys.stdout, f"evicting pod {ns}/{name}")
                if time.time() >= deadline:
                    errors[i] = GoError(f'error when evicting pods/"{name}" -n "{ns}": global timeout reached: {c.go_duration(timeout)}')
                    return
                try:
                    self.client.request("POST", f"/api/v1/namespaces/{ns}/pods/{name}/eviction", {
                        "kind": "Eviction", "apiVersion": "policy/v1", "metadata": {"name": name, "namespace": ns}, "deleteOptions": self.delete_options()})
                    break
                except c.ApiError as e:
                    if e.status == 404:
                        return
                    if e.status == 429:
                        say(sys.stderr, f'error when evicting pods/"{name}" -n "{ns}" (will retry after 5s): {e}')
                        time.sleep(EVICT_RETRY_SECONDS)
                    else:
                        errors[i] = GoError(f'error when evicting pods/"{name}" -n "{ns}": {e}')
                        return
                try:
                    active = self.client.get(f"/api/v1/namespaces/{ns}/pods/{name}")
                except (c.ApiError, OSError):
                    pass
            errors[i] = self.wait_for_delete(active, deadline, "evicted", say)
        threads = [threading.Thread(target=run, args=(i, p), daemon=True) for i, p in enumerate(pods)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        errs = [e for e in errors if e]
        return Aggregate(errs) if errs else None

    def delete_pods(self, pods, timeout):
        """drain.Helper.deletePods (--disable-eviction, or no eviction API): DELETE, no budget checked."""
        for pod in pods:
            try:
                self.client.request("DELETE", f"/api/v1/namespaces/{pod['metadata']['namespace']}/pods/{pod['metadata']['name']}", self.delete_options())
            except c.ApiError as e:
                if e.status != 404:
                    return ApiFailure(e)
        deadline = time.time() + timeout if timeout else float("inf")
        for pod in pods:
            err = self.wait_for_delete(pod, deadline, "deleted", lambda stream, text: print(text, file=stream, flush=True))
            if err:
                return GoError("context deadline exceeded")
        return None

    def drain(self):
        a = self.a
        timeout = c.parse_duration(a.timeout) if a.timeout else 0
        nodes = self.node_objects(a.args, "drain NODE")
        self.cordon_nodes(nodes, True)
        fatal, remaining = [], []
        for node in nodes:
            name = node["metadata"]["name"]
            err = self.drain_node(name, timeout)
            if err is None:
                print(f"node/{name} drained", flush=True)
                continue
            print(f'error: unable to drain node "{name}" due to error: {err.text}, continuing command...', file=sys.stderr, flush=True)
            fatal.append(err)
            remaining.append(name)
        if remaining:
            print("There are pending nodes to be drained:\n" + "\n".join(f" {n}" for n in remaining), file=sys.stderr, flush=True)
        if fatal:
            raise KubectlExit(Aggregate(fatal))

    def drain_node(self, name, timeout):
        pods, errors, warnings = self.pods_for_deletion(name)
        if errors:
            return Aggregate(errors)
        if warnings:
            print(f"Warning: {warnings}", file=sys.stderr, flush=True)
        if not pods:
            return None
        if not self.a.disable_eviction and self.eviction_supported():
            err = self.evict_pods(pods, timeout)
        else:
            err = self.delete_pods(pods, timeout)
        if err:
            pending, errs, _ = self.pods_for_deletion(name)
            if pending:
                print(f'There are pending pods in node "{name}" when an error occurred: {err.text}\n' +
                      "\n".join(f"pod/{p['metadata']['name']}" for p in pending), file=sys.stderr, flush=True)
            if errs:
                print(f"Following errors occurred while getting the list of pods to delete:\n{Aggregate(errs).text}", end="", file=sys.stderr, flush=True)
        return err

    # -------------------------------------------------------------------------------- delete, annotate, label
    def targets(self, args):
        """TYPE NAME... or TYPE/NAME... (kubectl's ResourceTypeOrNameArgs)."""
        if not args:
            raise UserError("error: You must provide one or more resources by argument or filename.\n"
                            "Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'")
        if all("/" in x for x in args):
            return [(lookup_alias(x.split("/", 1)[0]), x.split("/", 1)[1]) for x in args]
        if any("/" in x for x in args):
            raise UserError("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form "
                            "(e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'")
        if len(args) < 2:
            raise UserError("error: resource(s) were provided, but no name was specified")
        gvr = lookup_alias(args[0])
        return [(gvr, n) for n in args[1:]]

    def delete(self):
        a = self.a
        errors, deleted = [], []
        for gvr, name in self.targets(a.args):
            ns = self.ns(gvr)
            path = c.object_path(gvr[2], gvr[0], gvr[1], name, ns)
            body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background", **self.delete_options()}
            try:
                out = self.client.request("DELETE", path, body)
            except c.ApiError as e:
                if not (e.status == 404 and a.ignore_not_found):
                    errors.append(ApiFailure(e))
                continue
            kind = gvr[3].lower() + (f".{gvr[0]}" if gvr[0] else "")
            operation = "force deleted" if a.grace_period == 0 and a.force else "deleted"
            print(f'{kind} "{name}" {operation}' + (f" from {ns} namespace" if gvr[4] else ""), flush=True)
            deleted.append((path, (out.get("metadata") or {}).get("uid")))
        if a.wait:
            deadline = time.time() + (c.parse_duration(a.timeout) if a.timeout and c.parse_duration(a.timeout) else 7 * 86400)
            for path, uid in deleted:  # kubectl waits until each object is gone (finalizers)
                while time.time() < deadline:
                    try:
                        if self.client.get(path)["metadata"].get("uid") != uid:
                            break
                    except c.ApiError as e:
                        if e.status == 404:
                            break
                        raise
                    time.sleep(1)
        if errors:
            raise KubectlExit(Aggregate(errors))

    def split_pairs(self, kind):
        """cmdutil.GetResourcesAndPairs: resources first, then KEY=VALUE / KEY- changes."""
        resources, pairs = [], []
        for x in self.a.args:
            change = ("=" in x and not x.startswith("=")) or (x.endswith("-") and x != "-")
            if change:
                pairs.append(x)
            elif pairs:
                raise UserError(f"error: all resources must be specified before {kind} changes: {x}")
            else:
                resources.append(x)
        if not resources:
            raise UserError("error: one or more resources must be specified as <resource> <name> or <resource>/<name>")
        return self.targets(resources), pairs

    def annotate(self):
        a = self.a
        targets, pairs = self.split_pairs("annotation")
        new, remove, invalid = {}, [], []
        for x in pairs:
            if "=" in x and not x.startswith("="):
                k, v = x.split("=", 1)
                new[k] = v
            elif x.endswith("-") and x != "-":
                remove.append(x[:-1])
            else:
                invalid.append(x)
        if invalid:
            raise UserError(f"error: invalid annotation format: {', '.join(invalid)}")
        if not new and not remove:
            raise UserError("error: at least one annotation update is required")
        both = [r for r in remove if r in new]
        if both:
            raise UserError(f"error: can not both modify and remove the following annotation(s) in the same command: {', '.join(both)}")
        for gvr, name in targets:
            path = c.object_path(gvr[2], gvr[0], gvr[1], name, self.ns(gvr))
            obj = self.client.get(path)
            current = obj["metadata"].get("annotations") or {}
            if not a.overwrite:
                clash = [f"'{k}' already has a value ({current[k]})" for k, v in new.items()
                         if k != "kubernetes.io/change-cause" and k in current and current[k] != v]
                if clash:
                    raise UserError(f"error: --overwrite is false but found the following declared annotation(s): {'; '.join(clash)}")
            changes = {k: v for k, v in new.items() if current.get(k) != v}
            changes.update({k: None for k in remove if k in current})
            patch = {"metadata": {"annotations": changes}} if changes else {}
            self.client.request("PATCH", path, patch, content_type="application/merge-patch+json")
            print(f"{ref(gvr, name)} annotated", flush=True)

    def label(self):
        a = self.a
        targets, pairs = self.split_pairs("label")
        new, remove = {}, []
        for x in pairs:
            if "=" in x:
                parts = x.split("=")
                if len(parts) != 2:
                    raise UserError(f"error: invalid label spec: {x}")
                if len(parts[1]) > 63 or not re.fullmatch(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?", parts[1]):
                    raise UserError(f'error: invalid label value: "{x}": a valid label must be an empty string or consist of alphanumeric characters, '
                                    "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
                                    "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
                new[parts[0]] = parts[1]
            elif x.endswith("-"):
                remove.append(x[:-1])
            else:
                raise UserError(f"error: unknown label spec: {x}")
        if any(r in new for r in remove):
            raise UserError("error: can not both modify and remove a label in the same command")
        if not new and not remove:
            raise UserError("error: at least one label update is required")
        for gvr, name in targets:
            path = c.object_path(gvr[2], gvr[0], gvr[1], name, self.ns(gvr))
            obj = self.client.get(path)
            current = obj["metadata"].get("labels") or {}
            for r in remove:
                if r not in current:
                    print(f'label "{r}" not found.', flush=True)
            if not a.overwrite:
                clash = [f"'{k}' already has a value ({current[k]}), and --overwrite is false" for k, v in new.items() if k in current and current[k] != v]
                if len(clash) == 1:
                    raise UserError(f"error: {clash[0]}")
                if clash:
                    raise KubectlExit(Aggregate([GoError(x) for x in clash]))
            added = {k: v for k, v in new.items() if current.get(k) != v}
            removed = [r for r in remove if r in current]
            if added or removed:
                self.client.request("PATCH", path, {"metadata": {"labels": {**added, **{r: None for r in removed}}}}, content_type="application/merge-patch+json")
            msg = "modified" if added and removed else "labeled" if added else "unlabeled" if removed else "not labeled"
            print(f"{ref(gvr, name)} {msg}", flush=True)


# ------------------------------------------------------------------------------------------ errors as kubectl reports them
class GoError:
    """An error value: text is what err.Error() gives."""
    def __init__(self, text):
        self.text = text

    def line(self):  # cmdutil.CheckErr's default case
        return self.text if self.text.startswith("error: ") else f"error: {self.text}"

    def item(self):  # an entry of MultipleErrors
        return self.text


class ApiFailure(GoError):
    def __init__(self, e):
        super().__init__(str(e))
        reason = e.body.get("reason", "") if isinstance(e.body, dict) else ""
        self.standard = f"Error from server ({reason}): {e}" if reason else f"Error from server: {e}"

    def line(self):
        return self.standard

    def item(self):
        return self.standard


class Aggregate(GoError):
    """utilerrors.Aggregate: one error prints as itself, several as [a, b]."""
    def __init__(self, errs):
        self.errs = errs
        texts = list(dict.fromkeys(e.text for e in errs))
        super().__init__(texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]")


class KubectlExit(Exception):
    """cmdutil.CheckErr: an aggregate of one is unwrapped; an aggregate prints one error a line (no "error: ")."""
    def __init__(self, err):
        super().__init__(err.text)
        if isinstance(err, Aggregate) and len(err.errs) == 1:
            err = err.errs[0]
        self.lines = [e.item() for e in err.errs] if isinstance(err, Aggregate) else [err.line()]


EVICT_RETRY_SECONDS = 5

def normalize_argv(argv):
    """pflag booleans: --flag, --flag=true, --flag=false (argparse: --flag / --no-flag)."""
    out = []
    for arg in argv:
        m = re.fullmatch(r"--([\w-]+)=(true|false|True|False|1|0)", arg)
        if m and m.group(1) in BOOL_FLAGS:
            out.append(f"--{m.group(1)}" if m.group(2) in ("true", "True", "1") else f"--no-{m.group(1)}")
        else:
            out.append(arg)
    return out


KUSTOMIZE_VERSION = "v5.7.1"


def version_info(git_version):
    major, minor, _ = c.parse_version(git_version) or (1, 0, 0)
    return {"major": str(major), "minor": str(minor), "gitVersion": git_version, "gitCommit": "lab-standin", "gitTreeState": "clean",
            "buildDate": "1970-01-01T00:00:00Z", "goVersion": "python", "compiler": "lab-standin", "platform": "linux/amd64"}


def version(a):
    """kubectl version [--client] [-o json|yaml]: this package's version, kustomize's, and the server's /version
    (the connection error after the client lines when it does not answer, exit 1, as kubectl does)."""
    out = {"clientVersion": version_info(c.VERSION), "kustomizeVersion": KUSTOMIZE_VERSION}
    error = None
    if not a.client:
        try:
            out["serverVersion"] = c.Client(a.kubeconfig, server=a.server, timeout=a.request_timeout).get("/version")
        except (c.ApiError, OSError, KeyError, ValueError, TypeError) as e:
            error = str(e)
    if a.output == "json":
        print(json.dumps(out, indent=2))
    elif a.output == "yaml":
        print(yaml.safe_dump(out, sort_keys=False), end="")
    else:
        print(f"Client Version: {c.VERSION}\nKustomize Version: {KUSTOMIZE_VERSION}")
        server = (out.get("serverVersion") or {}).get("gitVersion")
        if server:
            print(f"Server Version: {server}")
            cv, sv = c.parse_version(c.VERSION), c.parse_version(server)
            if cv and sv and abs(cv[1] - sv[1]) > 1:
                print(f"WARNING: version difference between client ({cv[0]}.{cv[1]}) and server ({sv[0]}.{sv[1]}) exceeds the supported minor version skew of +/-1",
                      file=sys.stderr)
    if error:
        print(f"Unable to connect to the server: {error}", file=sys.stderr)
        sys.exit(1)


def main():
    p = argparse.ArgumentParser(prog="kubectl", description=f"kubectl {c.VERSION} ({c.STANDIN_NOTE})", allow_abbrev=False)
    boolean = argparse.BooleanOptionalAction
    p.add_argument("--kubeconfig", default=os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config"))
    p.add_argument("-s", "--server")
    p.add_argument("-n", "--namespace")
    p.add_argument("-A", "--all-namespaces", action=boolean, default=False)
    p.add_argument("-o", "--output")
    p.add_argument("--no-headers", action="store_true")
    p.add_argument("--raw")
    p.add_argument("-f", "--filename", action="append", default=[])
    p.add_argument("--patch-file")
    p.add_argument("-p", "--patch")
    p.add_argument("--type", default="strategic")
    p.add_argument("--duration")
    p.add_argument("--for", dest="for_")
    p.add_argument("--all", action=boolean, default=False)
    p.add_argument("--timeout", default=None)  # wait: 30s; drain: 0 (forever); delete: 0 (a week)
    p.add_argument("--request-timeout", type=int, default=10)
    p.add_argument("--client", action="store_true")
    p.add_argument("-l", "--selector")
    p.add_argument("--field-selector")
    p.add_argument("--pod-selector")
    p.add_argument("--ignore-daemonsets", action=boolean, default=False)
    p.add_argument("--delete-emptydir-data", action=boolean, default=False)
    p.add_argument("--force", action=boolean, default=False)
    p.add_argument("--disable-eviction", action=boolean, default=False)
    p.add_argument("--grace-period", type=int, default=-1)
    p.add_argument("--ignore-not-found", action=boolean, default=False)
    p.add_argument("--wait", action=boolean, default=True)
    p.add_argument("--overwrite", action=boolean, default=False)
    p.add_argument("command")
    p.add_argument("args", nargs="*")
    a = p.parse_intermixed_args(normalize_argv(sys.argv[1:]))
    try:
        if a.command == "version":
            version(a)
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
            a.timeout = a.timeout or "30s"
            k.wait()
        elif a.command in ("cordon", "uncordon"):
            k.cordon(a.command == "cordon")
        elif a.command == "drain":
            k.drain()
        elif a.command == "delete":
            k.delete()
        elif a.command == "annotate":
            k.annotate()
        elif a.command == "label":
            k.label()
        else:
            raise UserError(f'error: unknown command "{a.command} {" ".join(a.args)}" for kubectl ({c.STANDIN_NOTE}: only get, apply, patch, create token, '
                            'wait, cordon, uncordon, drain, delete, annotate, label, version)')
    except KubectlExit as e:
        print("\n".join(e.lines), file=sys.stderr)
        sys.exit(1)
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
