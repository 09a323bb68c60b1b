# LAB STAND-IN for kube-apiserver (not Kubernetes). Started by the kube-apiserver-standin unit from the
# static pod manifest kubeadm wrote (/etc/kubernetes/manifests/kube-apiserver.yaml): its command-line
# flags are the configuration. HTTPS with the kubeadm-issued serving certificate, objects in the external
# etcd cluster, client-certificate / bootstrap-token / ServiceAccount-token authentication, a small RBAC,
# node heartbeats through Leases (Ready turns Unknown after the node monitor grace period, the node
# lifecycle controller's job), CSR signing for kubelet TLS bootstrap, TokenRequest/TokenReview.
import hashlib
import ipaddress
import json
import os
import random
import re
import socketserver
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from etcd_store import EtcdStore, EtcdUnavailable  # noqa: E402
from resources import BUILTIN, from_crd, storage_key  # noqa: E402
import standin_common as c  # noqa: E402

NODE_MONITOR_GRACE_SECONDS = 50  # kube-controller-manager --node-monitor-grace-period default since 1.32
ADMIN_GROUPS = {"system:masters", "kubeadm:cluster-admins"}
BOOTSTRAP_TOKEN = re.compile(r"^([a-z0-9]{6})\.([a-z0-9]{16})$")


def short_hash(text, n):
    """Stable pod-name suffixes (kubernetes uses a base-36-ish alphabet too)."""
    return "".join("bcdfghjklmnpqrstvwxz2456789"[b % 27] for b in hashlib.sha256(text.encode()).digest()[:n])


def read_flags(manifest_path):
    with open(manifest_path) as f:
        pod = yaml.safe_load(f)
    flags = {}
    for arg in pod["spec"]["containers"][0]["command"][1:]:
        key, _, value = arg.lstrip("-").partition("=")
        flags[key] = value
    return flags


class Status(Exception):
    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details or {}

    def body(self):
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": self.message,
                "reason": self.reason, "details": self.details, "code": self.code}


def not_found(plural, group, name):
    return Status(404, "NotFound", f'{plural}{"." + group if group else ""} "{name}" not found', {"name": name, "kind": plural})


class Api:
    def __init__(self, flags):
        self.flags = flags
        self.store = EtcdStore(flags["etcd-servers"].split(","), cafile=flags.get("etcd-cafile"),
                               certfile=flags.get("etcd-certfile"), keyfile=flags.get("etcd-keyfile"))
        self.sa_pub = flags["service-account-key-file"]
        self.sa_key = flags["service-account-signing-key-file"]
        self.ca_crt, self.ca_key = flags["client-ca-file"], flags["client-ca-file"].replace(".crt", ".key")
        self.service_net = ipaddress.ip_network(flags.get("service-cluster-ip-range", "10.96.0.0/12"))
        lo, hi = flags.get("service-node-port-range", "30000-32767").split("-")
        self.node_ports = (int(lo), int(hi))
        self.lock = threading.Lock()  # allocations (cluster IPs, node ports) within this server

    # ------------------------------------------------------------------ kinds
    def kinds(self):
        table = list(BUILTIN)
        for crd, _ in self.store.list(storage_key("apiextensions.k8s.io", "customresourcedefinitions", None)):
            table += from_crd(crd)
        return table

    def resource(self, group, version, plural):
        for entry in self.kinds():
            if entry[0] == group and entry[1] == version and entry[2] == plural:
                return entry
        raise Status(404, "NotFound", "the server could not find the requested resource")

    def discovery(self, group, version):
        resources = [{"name": p, "singularName": k.lower(), "namespaced": ns, "kind": k, "verbs": ["create", "delete", "get", "list", "patch", "update"]}
                     for g, v, p, k, ns in self.kinds() if g == group and v == version]
        if not resources:
            raise Status(404, "NotFound", "the server could not find the requested resource")
        return {"kind": "APIResourceList", "groupVersion": f"{group}/{version}" if group else version, "resources": resources}

    # ------------------------------------------------------------------ bootstrap
    def ensure_bootstrap_objects(self):
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.store.create(storage_key("", "namespaces", None, ns), self.new_meta({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}, "status": {"phase": "Active"}}))
        svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"component": "apiserver", "provider": "kubernetes"}},
               "spec": {"type": "ClusterIP", "clusterIP": str(self.service_net[1]), "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}}
        self.store.create(storage_key("", "services", "default", "kubernetes"), self.new_meta(svc))

    @staticmethod
    def new_meta(obj):
        meta = obj.setdefault("metadata", {})
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", c.now_rfc3339())
        return obj

    # ------------------------------------------------------------------ authentication
    def authenticate(self, peer_cert, authorization):
        if authorization.startswith("Bearer "):
            token = authorization[7:].strip()
            m = BOOTSTRAP_TOKEN.match(token)
            if m:
                secret, _ = self.store.get(storage_key("", "secrets", "kube-system", f"bootstrap-token-{m.group(1)}"))
                data = c.secret_data(secret)
                if secret and data.get("token-secret") == m.group(2) and not self.expired(data.get("expiration")):
                    groups = data.get("auth-extra-groups", "").split(",")
                    return f"system:bootstrap:{m.group(1)}", ["system:bootstrappers", *[g for g in groups if g], "system:authenticated"]
                raise Status(401, "Unauthorized", "Unauthorized")
            claims = c.jwt_verify(token, self.sa_pub)
            if claims and claims.get("iss") == "https://kubernetes.default.svc.cluster.local":
                ns, name = claims["kubernetes.io"]["namespace"], claims["kubernetes.io"]["serviceaccount"]["name"]
                sa, _ = self.store.get(storage_key("", "serviceaccounts", ns, name))
                if sa and sa["metadata"]["uid"] == claims["kubernetes.io"]["serviceaccount"]["uid"]:
                    return f"system:serviceaccount:{ns}:{name}", ["system:serviceaccounts", f"system:serviceaccounts:{ns}", "system:authenticated"]
            raise Status(401, "Unauthorized", "Unauthorized")
        if peer_cert:
            subject = dict(x[0] for x in peer_cert["subject"] if x[0][0] == "commonName")
            orgs = [x[0][1] for x in peer_cert["subject"] if x[0][0] == "organizationName"]
            return subject.get("commonName", ""), [*orgs, "system:authenticated"]
        return "system:anonymous", ["system:unauthenticated"]

    @staticmethod
    def expired(expiration):
        return bool(expiration) and c.parse_rfc3339(expiration) < time.time()

    # ------------------------------------------------------------------ authorization (a small RBAC)
    def allowed(self, user, groups, verb, group, plural, namespace, name):
        if ADMIN_GROUPS & set(groups):
            return True
        for crb, _ in self.store.list(storage_key("rbac.authorization.k8s.io", "clusterrolebindings", None)):
            if crb.get("roleRef", {}).get("name") != "cluster-admin":
                continue
            for s in crb.get("subjects") or []:
                if (s.get("kind") == "User" and s.get("name") == user) or (s.get("kind") == "Group" and s.get("name") in groups) or \
                   (s.get("kind") == "ServiceAccount" and user == f"system:serviceaccount:{s.get('namespace')}:{s.get('name')}"):
                    return True
        read = verb in ("get", "list")
        if "system:nodes" in groups:
            node = user.removeprefix("system:node:")
            if read:
                return True
            return (plural == "nodes" and name in (node, "")) or (plural == "leases" and namespace == "kube-node-lease" and name in (node, "")) \
                or (plural == "certificatesigningrequests" and verb == "create")
        if "system:bootstrappers" in groups:
            return (plural == "certificatesigningrequests" and verb in ("create", "get")) or \
                (read and plural == "configmaps" and namespace == "kube-system" and name in ("kubeadm-config", "kubelet-config")) or \
                (read and plural == "secrets" and namespace == "kube-system" and name == "kubeadm-certs") or (read and plural == "nodes")
        return read and plural == "configmaps" and namespace == "kube-public" and name == "cluster-info"

    # ------------------------------------------------------------------ objects
    def get(self, group, plural, namespace, name):
        obj, rev = self.store.get(storage_key(group, plural, namespace, name))
        if obj is None:
            raise not_found(plural, group, name)
        return self.present(group, plural, obj, rev)

    def list(self, group, version, plural, kind, namespace):
        items = [self.present(group, plural, o, r) for o, r in self.store.list(storage_key(group, plural, namespace))]
        if group == "" and plural == "pods":
            items += self.workload_pods(namespace)
        return {"apiVersion": f"{group}/{version}" if group else version, "kind": f"{kind}List", "metadata": {}, "items": items}

    def present(self, group, plural, obj, rev):
        obj["metadata"]["resourceVersion"] = str(rev)
        if plural == "nodes":
            self.node_conditions(obj)
        if plural == "configmaps" and obj["metadata"].get("namespace") == "kube-public" and obj["metadata"]["name"] == "cluster-info":
            self.sign_cluster_info(obj)
        return obj

    def node_conditions(self, node):
        lease, _ = self.store.get(storage_key("coordination.k8s.io", "leases", "kube-node-lease", node["metadata"]["name"]))
        renew = lease and lease["spec"].get("renewTime")
        fresh = bool(renew) and time.time() - c.parse_rfc3339(renew) < NODE_MONITOR_GRACE_SECONDS
        cond = {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status (lab stand-in)"} if fresh else \
            {"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting node status."}
        cond["lastHeartbeatTime"] = renew or node["metadata"]["creationTimestamp"]
        status = node.setdefault("status", {})
        status["conditions"] = [x for x in status.get("conditions", []) if x["type"] != "Ready"] + [cond]

    def sign_cluster_info(self, cm):
        """The bootstrap signer controller's job: one detached JWS per valid bootstrap token."""
        kubeconfig = cm.get("data", {}).get("kubeconfig", "")
        cm["data"] = {k: v for k, v in cm.get("data", {}).items() if not k.startswith("jws-kubeconfig-")}
        for secret, _ in self.store.list(storage_key("", "secrets", "kube-system")):
            if secret.get("type") != "bootstrap.kubernetes.io/token":
                continue
            data = c.secret_data(secret)
            if data.get("usage-bootstrap-signing") == "true" and not self.expired(data.get("expiration")):
                cm["data"][f"jws-kubeconfig-{data['token-id']}"] = c.jws_detached_hs256(kubeconfig, data["token-id"], data["token-secret"])

    def workload_pods(self, namespace):
        """Pods the controllers would make (stand-in: listed, never run): one per node for DaemonSets,
        replicas for Deployments, the API server's static pod on each control-plane node."""
        nodes = [self.present("", "nodes", o, r) for o, r in self.store.list(storage_key("", "nodes", None))]
        ready = {n["metadata"]["name"]: any(x["type"] == "Ready" and x["status"] == "True" for x in n["status"]["conditions"]) for n in nodes}
        control_plane = {n["metadata"]["name"] for n in nodes if "node-role.kubernetes.io/control-plane" in n["metadata"].get("labels", {})}
        workers = [n for n in ready if n not in control_plane] or list(ready)
        pods = []

        def pod(ns, name, node, owner_kind, template):
            containers = (template.get("spec") or {}).get("containers") or [{"name": "main"}]
            up = ready.get(node, False)
            pods.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": (template.get("metadata") or {}).get("labels", {}),
                         "annotations": {"lab-standin": "listed, not run"}, "ownerReferences": [{"kind": owner_kind}], "creationTimestamp": c.now_rfc3339(-60)},
                         "spec": {"nodeName": node, "containers": containers},
                         "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True" if up else "False"}],
                                    "containerStatuses": [{"name": x["name"], "ready": up, "restartCount": 0} for x in containers]}})

        for ds, _ in self.store.list(storage_key("apps", "daemonsets", namespace)):
            for n in ready:
                pod(ds["metadata"]["namespace"], f"{ds['metadata']['name']}-{short_hash(ds['metadata']['uid'] + n, 5)}", n, "DaemonSet", ds["spec"]["template"])
        for dep, _ in self.store.list(storage_key("apps", "deployments", namespace)):
            for i in range(dep["spec"].get("replicas", 1)):
                node = workers[i % len(workers)] if workers else ""
                pod(dep["metadata"]["namespace"], f"{dep['metadata']['name']}-{short_hash(dep['metadata']['uid'], 10)}-{short_hash(str(i), 5)}", node, "ReplicaSet", dep["spec"]["template"])
        if namespace in (None, "kube-system"):
            for n in sorted(control_plane):
                pod("kube-system", f"kube-apiserver-{n}", n, "Node", {"spec": {"containers": [{"name": "kube-apiserver"}]}})
        return pods

    def create(self, group, plural, namespaced, namespace, obj):
        meta = obj.setdefault("metadata", {})
        if not meta.get("name"):
            raise Status(422, "Invalid", f"{plural} is invalid: metadata.name: Required value: name or generateName is required")
        if namespaced:
            if namespace is None:
                raise Status(400, "BadRequest", "the namespace of the object does not match the namespace on the request")
            meta["namespace"] = namespace
            if self.store.get(storage_key("", "namespaces", None, namespace))[0] is None:
                raise Status(404, "NotFound", f'namespaces "{namespace}" not found')
        self.admit(group, plural, obj, None)
        self.new_meta(obj)
        meta.pop("resourceVersion", None)
        rev = self.store.create(storage_key(group, plural, namespace if namespaced else None, meta["name"]), obj)
        if rev is None:
            raise Status(409, "AlreadyExists", f'{plural}{"." + group if group else ""} "{meta["name"]}" already exists')
        return self.present(group, plural, obj, rev)

    def update(self, group, plural, namespaced, namespace, name, obj):
        key = storage_key(group, plural, namespace if namespaced else None, name)
        old, _ = self.store.get(key)
        if old is None:
            raise not_found(plural, group, name)
        obj["metadata"]["uid"], obj["metadata"]["creationTimestamp"] = old["metadata"]["uid"], old["metadata"]["creationTimestamp"]
        if namespaced:
            obj["metadata"]["namespace"] = namespace
        obj["metadata"].pop("resourceVersion", None)
        self.admit(group, plural, obj, old)
        return self.present(group, plural, obj, self.store.put(key, obj))

    def delete(self, group, plural, namespaced, namespace, name):
        obj = self.get(group, plural, namespace if namespaced else None, name)
        self.store.delete(storage_key(group, plural, namespace if namespaced else None, name))
        return obj

    # ------------------------------------------------------------------ admission
    def admit(self, group, plural, obj, old):
        if group == "" and plural == "services":
            self.allocate_service(obj, old)

    def allocate_service(self, svc, old):
        spec = svc.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        name = svc["metadata"]["name"]
        with self.lock:
            others = [s for s, _ in self.store.list(storage_key("", "services", None))
                      if (s["metadata"]["namespace"], s["metadata"]["name"]) != (svc["metadata"].get("namespace"), name)]
            if not spec.get("clusterIP"):
                spec["clusterIP"] = (old or {}).get("spec", {}).get("clusterIP") or self.free_ip(others)
            spec["clusterIPs"] = [spec["clusterIP"]]
            taken = {p.get("nodePort") for s in others for p in s.get("spec", {}).get("ports", [])}
            old_ports = {p.get("name"): p.get("nodePort") for p in (old or {}).get("spec", {}).get("ports", [])}
            for i, port in enumerate(spec.get("ports", [])):
                if spec["type"] not in ("NodePort", "LoadBalancer"):
                    continue
                n = port.get("nodePort") or old_ports.get(port.get("name"))
                if n is None:
                    n = next(p for p in range(*self.node_ports) if p not in taken)
                if not self.node_ports[0] <= n <= self.node_ports[1]:
                    raise Status(422, "Invalid", f'Service "{name}" is invalid: spec.ports[{i}].nodePort: Invalid value: {n}: provided port is not in the valid range. The range of valid ports is {self.node_ports[0]}-{self.node_ports[1]}')
                if n in taken:
                    raise Status(422, "Invalid", f'Service "{name}" is invalid: spec.ports[{i}].nodePort: Invalid value: {n}: provided port is already allocated')
                port["nodePort"] = n
                taken.add(n)

    def free_ip(self, services):
        used = {s.get("spec", {}).get("clusterIP") for s in services}
        for _ in range(1000):
            ip = str(self.service_net[random.randrange(10, min(self.service_net.num_addresses - 1, 65000))])
            if ip not in used:
                return ip
        raise Status(500, "InternalError", "no free cluster IP")

    # ------------------------------------------------------------------ subresources
    def token_request(self, namespace, name, body):
        sa = self.get("", "serviceaccounts", namespace, name)
        seconds = int((body.get("spec") or {}).get("expirationSeconds") or 3600)
        now = int(time.time())
        claims = {"aud": ["https://kubernetes.default.svc.cluster.local"], "iss": "https://kubernetes.default.svc.cluster.local",
                  "iat": now, "nbf": now, "exp": now + seconds, "sub": f"system:serviceaccount:{namespace}:{name}",
                  "kubernetes.io": {"namespace": namespace, "serviceaccount": {"name": name, "uid": sa["metadata"]["uid"]}}}
        token = c.jwt_sign(claims, self.sa_key)
        return {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1", "metadata": {"name": name, "namespace": namespace},
                "spec": {"audiences": claims["aud"], "expirationSeconds": seconds},
                "status": {"token": token, "expirationTimestamp": c.now_rfc3339(seconds)}}

    def token_review(self, body):
        try:
            user, groups = self.authenticate(None, f"Bearer {body['spec']['token']}")
            status = {"authenticated": True, "user": {"username": user, "groups": groups}}
        except Status:
            status = {"authenticated": False, "error": "invalid bearer token"}
        return {**body, "status": status}

    def sign_csr(self, csr, user, groups):
        """The csrapprover + csrsigner controllers: approve a kubelet client CSR from a bootstrapper or the node itself."""
        pem = c.unb64(csr["spec"]["request"])
        subject = c.run(["openssl", "req", "-noout", "-subject", "-nameopt", "sep_multiline,lname"], input=pem)
        cn = re.search(r"commonName=(.*)", subject)
        orgs = re.findall(r"organizationName=(.*)", subject)
        ok = cn and cn.group(1).startswith("system:node:") and orgs == ["system:nodes"] and \
            ("system:bootstrappers" in groups or user == cn.group(1))
        if not ok:
            csr["status"] = {"conditions": [{"type": "Denied", "status": "True", "reason": "NotKubeletClient", "message": "lab stand-in signs kubelet client certificates only"}]}
            return csr
        cert = c.sign_csr(pem, self.ca_crt, self.ca_key, "clientAuth")
        csr["status"] = {"certificate": c.b64(cert), "conditions": [{"type": "Approved", "status": "True", "reason": "AutoApproved",
                                                                      "message": "Auto approving kubelet client certificate after SubjectAccessReview (lab stand-in)"}]}
        return csr


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kube-apiserver-standin"

    def log_message(self, fmt, *args):
        if os.environ.get("STANDIN_ACCESS_LOG"):
            super().log_message(fmt, *args)

    def send_json(self, code, body):
        data = (json.dumps(body) if not isinstance(body, str) else body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json" if not isinstance(body, str) else "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"{}") if n else {}

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        api: Api = self.server.api
        try:
            path = self.path.split("?")[0].rstrip("/") or "/"
            if path in ("/healthz", "/livez", "/readyz"):
                if path == "/readyz" and not api.store.healthy():
                    return self.send_json(500, "[-]etcd failed: reason withheld\nreadyz check failed")
                return self.send_json(200, "ok")
            user, groups = api.authenticate(self.connection.getpeercert(), self.headers.get("Authorization", ""))
            if path == "/version":
                return self.send_json(200, {"major": "1", "minor": c.VERSION.split(".")[1], "gitVersion": c.VERSION + "-labstandin", "platform": "linux/amd64"})
            if path == "/api":
                return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"]})
            parts = path.strip("/").split("/")
            if parts[0] == "api":
                group, version, rest = "", parts[1], parts[2:]
            elif parts[0] == "apis" and len(parts) >= 3:
                group, version, rest = parts[1], parts[2], parts[3:]
            else:
                raise Status(404, "NotFound", "the server could not find the requested resource")
            if not rest:
                return self.send_json(200, api.discovery(group, version))
            namespace = None
            if rest[0] == "namespaces" and len(rest) >= 3:
                namespace, rest = rest[1], rest[2:]
            g, v, plural, kind, namespaced = api.resource(group, version, rest[0])
            name = rest[1] if len(rest) > 1 else ""
            sub = rest[2] if len(rest) > 2 else ""
            verb = {"GET": "get" if name else "list", "POST": "create", "PUT": "update", "DELETE": "delete"}[method]
            if not api.allowed(user, groups, verb, group, plural, namespace, name):
                scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
                raise Status(403, "Forbidden", f'{plural}{"." + group if group else ""}{" " + chr(34) + name + chr(34) if name else ""} is forbidden: '
                             f'User "{user}" cannot {verb} resource "{plural}" in API group "{group}" {scope}')
            if method == "POST" and plural == "tokenreviews":
                return self.send_json(201, api.token_review(self.body()))
            if method == "POST" and plural == "serviceaccounts" and sub == "token":
                return self.send_json(201, api.token_request(namespace, name, self.body()))
            if method == "GET":
                return self.send_json(200, api.get(group, plural, namespace, name) if name else api.list(group, version, plural, kind, namespace))
            if method == "POST":
                obj = self.body()
                if plural == "certificatesigningrequests":
                    obj = api.sign_csr(obj, user, groups)
                return self.send_json(201, api.create(group, plural, namespaced, namespace, obj))
            if method == "PUT":
                return self.send_json(200, api.update(group, plural, namespaced, namespace, name, self.body()))
            return self.send_json(200, api.delete(group, plural, namespaced, namespace, name))
        except Status as s:
            self.send_json(s.code, s.body())
        except EtcdUnavailable as e:
            print(f"etcd unavailable: {e}", file=sys.stderr)
            self.send_json(503, Status(503, "ServiceUnavailable", "etcdserver: request timed out (lab stand-in: no etcd endpoint answered)").body())
        except (ValueError, KeyError, TypeError) as e:
            self.send_json(400, Status(400, "BadRequest", f"bad request: {e}").body())


class TLSServer(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def finish_request(self, request, client_address):
        try:  # the TLS handshake happens in the request's thread, so one slow client blocks no one
            request = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        super().finish_request(request, client_address)


def main():
    manifest = sys.argv[1] if len(sys.argv) > 1 else "/etc/kubernetes/manifests/kube-apiserver.yaml"
    flags = read_flags(manifest)
    api = Api(flags)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(flags["tls-cert-file"], flags["tls-private-key-file"])
    ctx.load_verify_locations(flags["client-ca-file"])
    ctx.verify_mode = ssl.CERT_OPTIONAL
    server = TLSServer((flags.get("bind-address", "0.0.0.0"), int(flags.get("secure-port", "6443"))), Handler)
    server.ssl_context, server.api = ctx, api
    for attempt in range(60):  # etcd may still be forming its quorum
        try:
            api.ensure_bootstrap_objects()
            break
        except EtcdUnavailable as e:
            print(f"waiting for etcd: {e}", file=sys.stderr)
            time.sleep(2)
    print(f"kube-apiserver {c.STANDIN_NOTE} serving on :{flags.get('secure-port', '6443')}, etcd {flags['etcd-servers']}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
