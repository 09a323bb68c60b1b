# LAB STAND-IN for kube-apiserver (not Kubernetes). Started by the kube-apiserver-standin unit from the
# static pod manifest kubeadm wrote (/etc/kubernetes/manifests/kube-apiserver.yaml): its command-line
# flags are the configuration. HTTPS with the kubeadm-issued serving certificate, objects in the external
# etcd cluster, client-certificate / bootstrap-token / ServiceAccount-token authentication, a small RBAC,
# node heartbeats through Leases (Ready turns Unknown after the node monitor grace period, the node
# lifecycle controller's job), CSR signing for kubelet TLS bootstrap, TokenRequest/TokenReview, PATCH,
# label/field selectors, the pods the controllers would make (bound to nodes, rescheduled after an
# eviction), the eviction subresource with PodDisruptionBudgets, a deleted Node's Lease and pods removed.
import contextlib
import hashlib
import ipaddress
import json
import os
import random
import re
import select
import signal
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from etcd_store import EtcdStore, EtcdUnavailable  # noqa: E402
from resources import BUILTIN, CATEGORIES, SHORT_NAMES, crd_names, from_crd, storage_key  # noqa: E402
import standin_common as c  # noqa: E402
import openapi  # noqa: E402
import ssa  # noqa: E402
import watch  # noqa: E402
import k8s_protobuf  # noqa: E402
import tables  # noqa: E402

NODE_MONITOR_GRACE_SECONDS = 50  # kube-controller-manager --node-monitor-grace-period default since 1.32
TAINT_TOLERATION_SECONDS = 300  # DefaultTolerationSeconds: pods leave a not-ready/unreachable node after 5 min
PROTECTED_NAMESPACES = {"default", "kube-system", "kube-public"}
NAMESPACE_FINALIZE_SECONDS = 5  # a deleted namespace stays Terminating this long before its contents go
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024  # apimachinery's ValidateAnnotations
STARTUP_SECONDS = 5  # a newly bound pod turns Ready this long after binding (its containers starting)
PDB_DELETION_TIMEOUT = 120  # disruption controller: an evicted pod counts as disrupted this long at most
STANDIN_PREFIX = "/registry/lab-standin"  # the stand-in controllers' own records in etcd
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
APISERVER_IMAGE_ANNOTATION = "lab-standin/kube-apiserver-image"  # set by the kubelet stand-in from the static pod manifest
LOADED_MANIFEST = "/run/kube-standin/kube-apiserver.loaded"  # sha256 of the manifest this process started from (kubelet stand-in)
FIELD_LABELS = {  # field selectors the API server accepts, besides metadata.name and metadata.namespace
    "pods": {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
             "status.phase", "status.podIP", "status.nominatedNodeName"},
    "nodes": {"spec.unschedulable"}, "secrets": {"type"}, "namespaces": {"status.phase"},
}
ADMIN_GROUPS = {"system:masters", "kubeadm:cluster-admins"}
BOOTSTRAP_TOKEN = re.compile(r"^([a-z0-9]{6})\.([a-z0-9]{16})$")


def short_hash(text, n):
    """Stable pod-name suffixes (kubernetes uses a base-36-ish alphabet too)."""
    return "".join("bcdfghjklmnpqrstvwxz2456789"[b % 27] for b in hashlib.sha256(text.encode()).digest()[:n])


def read_flags(manifest_path):
    with open(manifest_path) as f:
        pod = yaml.safe_load(f)
    # The static pod runs the image its manifest names: the version this server reports (/version, mirror pod).
    tag = c.image_tag(pod["spec"]["containers"][0].get("image", ""))
    if c.parse_version(tag):
        c.VERSION = tag
    flags = {}
    for arg in pod["spec"]["containers"][0]["command"][1:]:
        key, _, value = arg.lstrip("-").partition("=")
        flags[key] = value
    return flags


def parse_field_selector(plural, text):
    reqs = []
    for part in [x for x in (text or "").split(",") if x]:
        m = re.fullmatch(r"([\w.]+)\s*(==|=|!=)\s*(.*)", part)
        if not m:
            raise Status(400, "BadRequest", f"invalid selector: '{text}'; can't understand '{part}'")
        if m.group(1) not in {"metadata.name", "metadata.namespace"} | FIELD_LABELS.get(plural, set()):
            raise Status(400, "BadRequest", f'field label not supported: {m.group(1)}')
        reqs.append((m.group(1), m.group(2) == "!=", m.group(3)))
    return reqs


def fields_match(reqs, obj):
    for path, negate, want in reqs:
        value = obj
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        text = "" if value is None else ("true" if value is True else "false" if value is False else str(value))
        if (text == want) == negate:
            return False
    return True


def pod_ready(pod):
    return any(x.get("type") == "Ready" and x.get("status") == "True" for x in (pod.get("status") or {}).get("conditions") or [])


class Status(Exception):
    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details or {}
        self.headers = headers or {}

    def body(self):
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": self.message,
                "reason": self.reason, "details": self.details, "code": self.code}


def version_priority(version):
    """Kubernetes' version order (v2 > v1 > v1beta2 > v1beta1 > v1alpha1): the preferred version first."""
    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not m:
        return (3, 0, 0, version)
    stage = {"": 0, "beta": 1, "alpha": 2}[m.group(2) or ""]
    return (stage, -int(m.group(1)), -int(m.group(3) or 0), version)


def unchanged(new, old):
    """The same object but for its resourceVersion: a write that changes nothing is not made (kube's no-op)."""
    strip = lambda o: {**o, "metadata": {k: v for k, v in o["metadata"].items() if k != "resourceVersion"}}  # noqa: E731
    return strip(new) == strip(old)


class RaceLost(Exception):
    """Another write got in between a PATCH's read and its write: the patch is applied again."""

    def __init__(self, status):
        super().__init__(status.message)
        self.status = status


def conflict(plural, group, name):
    return Status(409, "Conflict", f'Operation cannot be fulfilled on {plural}{"." + group if group else ""} "{name}": the object has been modified; '
                  "please apply your changes to the latest version and try again", {"name": name, "kind": plural})


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
        self.read_cache = threading.local()  # per request thread: what one list computes once (pods_for_status)

    # ------------------------------------------------------------------ kinds
    def crds(self):
        return [crd for crd, _ in self.store.list(storage_key("apiextensions.k8s.io", "customresourcedefinitions", None))]

    @staticmethod
    def computed(group, plural):
        """Kinds whose served state is partly computed when read (not only what is stored)."""
        return (group, plural) in {("", "nodes"), ("", "pods"), ("apps", "deployments"), ("apps", "daemonsets"), ("apps", "replicasets"),
                                   ("policy", "poddisruptionbudgets")}

    def printer_columns(self, group, version, plural):
        """A custom resource's additionalPrinterColumns (None for the built-in kinds, printed by their kind)."""
        for crd in self.crds():
            spec = crd.get("spec", {})
            if spec.get("group") == group and spec.get("names", {}).get("plural") == plural:
                served = next((v for v in spec.get("versions", []) if v.get("name") == version), {})
                return served.get("additionalPrinterColumns") or []
        return None

    def kinds(self):
        table = list(BUILTIN)
        for crd in self.crds():
            table += from_crd(crd)
        return table

    def resource(self, group, version, plural):
        for entry in self.kinds():
            if entry[0] == group and entry[1] == version and entry[2] == plural:
                return entry
        raise Status(404, "NotFound", "the server could not find the requested resource")

    def group_list(self):
        """GET /apis: every group with its served versions (legacy discovery; kubectl falls back to it
        when the answer is not the aggregated APIGroupDiscoveryList it asks for first)."""
        versions = {}
        for g, v, *_ in self.kinds():
            if g and v not in versions.setdefault(g, []):
                versions[g].append(v)
        groups = []
        for g, vs in versions.items():
            entries = [{"groupVersion": f"{g}/{v}", "version": v} for v in sorted(vs, key=version_priority)]
            groups.append({"name": g, "versions": entries, "preferredVersion": entries[0]})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def discovery(self, group, version):
        names = {**{k: (v, CATEGORIES.get(k, [])) for k, v in SHORT_NAMES.items()}, **{k: v for k, v in map(crd_names, self.crds())}}
        resources = []
        for g, v, p, k, ns in self.kinds():
            if (g, v) != (group, version):
                continue
            short, categories = names.get((g, p), ([], CATEGORIES.get((g, p), [])))
            entry = {"name": p, "singularName": k.lower(), "namespaced": ns, "kind": k,
                     "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}
            resources.append({**entry, **({"shortNames": short} if short else {}), **({"categories": categories} if categories else {})})
        if not resources:
            raise Status(404, "NotFound", "the server could not find the requested resource")
        if group == "" and version == "v1":  # the subresources the stand-in serves (kubectl drain looks for pods/eviction)
            resources += [{"name": "pods/eviction", "singularName": "", "namespaced": True, "group": "policy", "version": "v1", "kind": "Eviction", "verbs": ["create"]},
                          {"name": "serviceaccounts/token", "singularName": "", "namespaced": True, "group": "authentication.k8s.io", "version": "v1",
                           "kind": "TokenRequest", "verbs": ["create"]}]
        return {"kind": "APIResourceList", "groupVersion": f"{group}/{version}" if group else version, "resources": resources}

    # ------------------------------------------------------------------ bootstrap
    def ensure_bootstrap_objects(self):
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.store.create(storage_key("", "namespaces", None, ns), self.new_meta({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}, "status": {"phase": "Active"}}))
            self.ensure_default_service_account(ns)
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
    def impersonate(user, groups, as_user, as_groups):
        if not ADMIN_GROUPS & set(groups):
            raise Status(403, "Forbidden", f'users "{as_user}" is forbidden: User "{user}" cannot impersonate resource "users" in API group "" at the cluster scope')
        implied = ["system:authenticated"]
        if as_user.startswith("system:serviceaccount:"):
            implied = ["system:serviceaccounts", f"system:serviceaccounts:{as_user.split(':')[2]}", *implied]
        return as_user, [*as_groups, *implied]

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
        with self.one_read():
            return self.get_once(group, plural, namespace, name)

    def get_once(self, group, plural, namespace, name):
        obj, rev = self.store.get(storage_key(group, plural, namespace, name))
        if obj is None:
            made = self.workload_pods(namespace) if (group, plural) == ("", "pods") and namespace else \
                self.replica_sets(namespace) if (group, plural) == ("apps", "replicasets") and namespace else []
            found = next((o for o in made if o["metadata"]["name"] == name), None)
            if found:
                return found
            raise not_found(plural, group, name)
        return self.present(group, plural, obj, rev)

    @contextlib.contextmanager
    def one_read(self):
        """One read's scope for pods_for_status' cache (nested reads share the outer one)."""
        outer = getattr(self.read_cache, "pods", None) is not None
        if not outer:
            self.read_cache.pods = {}
        try:
            yield
        finally:
            if not outer:
                self.read_cache.pods = None

    def list(self, group, version, plural, kind, namespace, label_selector="", field_selector=""):
        with self.one_read():
            return self.list_once(group, version, plural, kind, namespace, label_selector, field_selector)

    def list_once(self, group, version, plural, kind, namespace, label_selector, field_selector):
        labels = c.parse_label_selector(label_selector) if label_selector else []
        fields = parse_field_selector(plural, field_selector)
        stored, revision = self.store.list_at(storage_key(group, plural, namespace))
        items = [self.present(group, plural, o, r) for o, r in stored]
        if group == "" and plural == "pods":
            items = sorted(items + self.workload_pods(namespace), key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]))
        if group == "apps" and plural == "replicasets":
            items = self.replica_sets(namespace)
        items = [o for o in items if c.labels_match(labels, o["metadata"].get("labels")) and fields_match(fields, o)]
        return {"apiVersion": f"{group}/{version}" if group else version, "kind": f"{kind}List", "metadata": {"resourceVersion": str(revision)}, "items": items}

    def present(self, group, plural, obj, rev):
        obj["metadata"]["resourceVersion"] = str(rev)
        if plural == "nodes":
            self.node_conditions(obj)
        if plural == "configmaps" and obj["metadata"].get("namespace") == "kube-public" and obj["metadata"]["name"] == "cluster-info":
            self.sign_cluster_info(obj)
        if plural == "poddisruptionbudgets":
            self.pdb_present(obj)
        if group == "apps" and plural in ("deployments", "daemonsets"):
            self.workload_status(plural, obj)
        return obj

    def replica_sets(self, namespace):
        """The Deployment controller's ReplicaSets (one per Deployment: the stand-in keeps no rollout history),
        read-only, as the pods it lists name them (kubectl get rs, Helm's kstatus read them)."""
        out = []
        for dep, rev in self.store.list(storage_key("apps", "deployments", namespace)):
            dep = self.present("apps", "deployments", dep, rev)
            meta, spec, status = dep["metadata"], dep["spec"], dep.get("status", {})
            pod_hash = short_hash(meta["uid"], 10)
            labels = {**((spec.get("template") or {}).get("metadata") or {}).get("labels", {}), "pod-template-hash": pod_hash}
            selector = json.loads(json.dumps(spec.get("selector") or {}))
            selector.setdefault("matchLabels", {})["pod-template-hash"] = pod_hash
            out.append({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                        "metadata": {"name": f"{meta['name']}-{pod_hash}", "namespace": meta["namespace"], "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, meta["uid"] + "/rs")),
                                     "resourceVersion": meta["resourceVersion"], "generation": 1, "creationTimestamp": meta["creationTimestamp"], "labels": labels,
                                     "annotations": {"deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": str(spec.get("replicas", 1))},
                                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": meta["name"], "uid": meta["uid"],
                                                          "controller": True, "blockOwnerDeletion": True}]},
                        "spec": {"replicas": spec.get("replicas", 1), "selector": selector, "template": spec.get("template", {})},
                        "status": {"replicas": status.get("replicas", 0), "fullyLabeledReplicas": status.get("replicas", 0), "observedGeneration": 1,
                                   **({"readyReplicas": status["readyReplicas"], "availableReplicas": status["availableReplicas"]} if status.get("readyReplicas") else {})}})
        return sorted(out, key=lambda r: (r["metadata"]["namespace"], r["metadata"]["name"]))

    def pods_for_status(self, namespace):
        """The namespace's controller pods, computed once per read (a list of N Deployments would otherwise
        compute them N times, each time with several etcd round trips)."""
        cache = getattr(self.read_cache, "pods", None)
        if cache is None:
            return self.workload_pods(namespace)
        if namespace not in cache:
            cache[namespace] = self.workload_pods(namespace)
        return cache[namespace]

    def workload_status(self, plural, obj):
        """The Deployment and DaemonSet controllers' status, from the pods the stand-in lists for them (what
        kubectl rollout status, kubectl wait and Helm's --wait read)."""
        meta = obj["metadata"]
        kind = "ReplicaSet" if plural == "deployments" else "DaemonSet"
        owner = f"{meta['name']}-{short_hash(meta['uid'], 10)}" if plural == "deployments" else meta["name"]
        pods = [p for p in self.pods_for_status(meta["namespace"]) if any(o["kind"] == kind and o["name"] == owner for o in p["metadata"]["ownerReferences"])]
        scheduled = [p for p in pods if p["spec"].get("nodeName")]
        ready = sum(1 for p in scheduled if pod_ready(p))
        generation = meta.get("generation", 1)
        if plural == "daemonsets":
            obj["status"] = {"observedGeneration": generation, "desiredNumberScheduled": len(scheduled), "currentNumberScheduled": len(scheduled),
                             "updatedNumberScheduled": len(scheduled), "numberReady": ready, "numberAvailable": ready,
                             "numberMisscheduled": 0, **({"numberUnavailable": len(scheduled) - ready} if ready < len(scheduled) else {})}
            return
        desired = obj["spec"].get("replicas", 1)
        available = ready >= desired
        obj["status"] = {"observedGeneration": generation, "replicas": len(pods), "updatedReplicas": len(pods),
                         **({"readyReplicas": ready, "availableReplicas": ready} if ready else {}),
                         **({"unavailableReplicas": len(pods) - ready} if ready < len(pods) else {}),
                         "conditions": [{"type": "Available", "status": "True" if available else "False",
                                         "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable"},
                                        {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable" if available else "ReplicaSetUpdated"}]}

    def node_conditions(self, node, lease=False):
        if lease is False:
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

    # ------------------------------------------------------------------ the controllers' pods (listed, never run)
    # What the ReplicaSet/DaemonSet controllers, the scheduler, pod GC and the taint manager would do, computed
    # from the nodes, their Leases and stand-in records in etcd (under /registry/lab-standin/): where each
    # Deployment replica is bound (kept until it is evicted or deleted, its node goes, or its node has been
    # unreachable for 5 min), and how often a DaemonSet or mirror pod was recreated.
    def node_snapshot(self):
        leases = {x["metadata"]["name"]: x for x, _ in self.store.list(storage_key("coordination.k8s.io", "leases", "kube-node-lease"))}
        nodes = {}
        for n, _ in self.store.list(storage_key("", "nodes", None)):
            meta = n["metadata"]
            renew = (leases.get(meta["name"]) or {}).get("spec", {}).get("renewTime")
            silent = time.time() - c.parse_rfc3339(renew or meta["creationTimestamp"])
            nodes[meta["name"]] = {
                "name": meta["name"], "uid": meta.get("uid", ""), "created": meta["creationTimestamp"],
                "ready": bool(renew) and silent < NODE_MONITOR_GRACE_SECONDS, "silent": silent,
                "unschedulable": bool((n.get("spec") or {}).get("unschedulable")),
                "cp": "node-role.kubernetes.io/control-plane" in (meta.get("labels") or {}),
                "ip": next((a["address"] for a in (n.get("status") or {}).get("addresses", []) if a["type"] == "InternalIP"), ""),
                # the image of the node's kube-apiserver static pod, as its kubelet reports it (kubelet stand-in)
                "apiserver_image": (meta.get("annotations") or {}).get(APISERVER_IMAGE_ANNOTATION, "")}
        return nodes

    @staticmethod
    def scheduling_pool(nodes):
        """Stand-in for taints: workload replicas go to the non-control-plane nodes (to the control-plane
        nodes only in a cluster that has no other), and of those to the Ready, not cordoned ones."""
        workers = [n for n in nodes.values() if not n["cp"]]
        pool = workers or list(nodes.values())
        return {n["name"] for n in pool}, sorted(n["name"] for n in pool if n["ready"] and not n["unschedulable"])

    @staticmethod
    def unschedulable_message(nodes):
        pool, _ = Api.scheduling_pool(nodes)
        reasons = {}
        for n in nodes.values():
            why = "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }" if n["name"] not in pool else \
                "node(s) had untolerated taint {node.kubernetes.io/unreachable: }" if not n["ready"] else "node(s) were unschedulable"
            reasons[why] = reasons.get(why, 0) + 1
        total = len(nodes)
        if not total:
            return "no nodes available to schedule pods"
        return f"0/{total} nodes are available: {', '.join(sorted(f'{v} {k}' for k, v in reasons.items()))}. " \
               f"preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling."

    def plan_replicas(self, dep, rec, nodes, now):
        """One Deployment's pods: pod GC (node gone), taint-based eviction (node unreachable past the 300 s
        default toleration), the ReplicaSet controller (scale to replicas, newest/pending removed first) and
        the scheduler (pending pods bound to the schedulable node with the fewest replicas)."""
        uid, name = dep["metadata"]["uid"], dep["metadata"]["name"]
        pool, candidates = self.scheduling_pool(nodes)
        pods = []
        for p in rec["pods"]:
            node = nodes.get(p["node"]) if p["node"] else None
            if p["node"] and (node is None or node["silent"] >= NODE_MONITOR_GRACE_SECONDS + TAINT_TOLERATION_SECONDS or p["node"] not in pool):
                continue
            pods.append(p)
        replicas = (dep.get("spec") or {}).get("replicas")
        replicas = 1 if replicas is None else int(replicas)

        def keep_rank(p):
            return (bool(p["node"]), bool(p["node"]) and nodes[p["node"]]["ready"], -c.parse_rfc3339(p["created"]))
        while len(pods) > replicas:
            pods.remove(min(pods, key=keep_rank))
        while len(pods) < replicas:
            rec["seq"] += 1
            seq = rec["seq"]
            pods.append({"name": f"{name}-{short_hash(uid, 10)}-{short_hash(f'{uid}/{seq}', 5)}", "node": "", "created": now, "bound": ""})
        counts = {}
        for p in pods:
            if p["node"]:
                counts[p["node"]] = counts.get(p["node"], 0) + 1
        for p in pods:
            if not p["node"] and candidates:
                best = min(candidates, key=lambda n: (counts.get(n, 0), n))
                p["node"], p["bound"] = best, now
                counts[best] = counts.get(best, 0) + 1
        rec["pods"] = pods
        return rec

    def replicas_of(self, dep, nodes, mutate=None):
        """The Deployment's pod record, reconciled and written back (compare-and-swap, so API servers and
        parallel evictions do not undo each other); mutate(record) runs first, inside the same swap."""
        ns, name, uid = dep["metadata"]["namespace"], dep["metadata"]["name"], dep["metadata"]["uid"]
        key = f"{STANDIN_PREFIX}/replicasets/{ns}/{name}"
        for _ in range(20):
            rec, rev = self.store.get(key)
            fresh = not (rec and rec.get("uid") == uid)
            work = {"namespace": ns, "name": name, "uid": uid, "seq": 0, "pods": []} if fresh else json.loads(json.dumps(rec))
            result = mutate(work) if mutate else None
            # the first pods date from the Deployment's creation (the record is written when pods are first listed)
            planned = self.plan_replicas(dep, work, nodes, dep["metadata"]["creationTimestamp"] if fresh else c.now_rfc3339())
            if planned == rec or self.store.cas(key, planned, rev):
                return planned, result
        raise Status(409, "Conflict", f'Operation cannot be fulfilled on deployments.apps "{name}": the object has been modified; please apply your changes to the latest version and try again')

    def recreations(self, namespace):
        rec, rev = self.store.get(f"{STANDIN_PREFIX}/recreated/{namespace}")
        return rec or {}, rev

    def bump_recreation(self, namespace, ident):
        """A DaemonSet pod or a mirror pod deleted/evicted: its controller (the DaemonSet controller, the
        kubelet) makes it again at once: a new name (DaemonSet) or a new uid (mirror pod)."""
        key = f"{STANDIN_PREFIX}/recreated/{namespace}"
        for _ in range(20):
            rec, rev = self.store.get(key)
            rec = rec or {}
            rec[ident] = {"gen": rec.get(ident, {}).get("gen", 0) + 1, "at": c.now_rfc3339()}
            if self.store.cas(key, rec, rev):
                return
        raise Status(409, "Conflict", "the object has been modified; please apply your changes to the latest version and try again")

    def make_pod(self, ns, name, uid, node, owner, template, created, started, nodes, annotations=None, extra_labels=None):
        """A Pod object as the API would return it for a pod the controllers made."""
        spec = json.loads(json.dumps((template.get("spec") or {})))
        spec.setdefault("containers", [{"name": "main"}])
        info = nodes.get(node) if node else None
        meta = {"name": name, "namespace": ns, "uid": uid, "creationTimestamp": created,
                "labels": {**((template.get("metadata") or {}).get("labels") or {}), **(extra_labels or {})},
                "annotations": {"lab-standin": "listed, not run", **(annotations or {})}, "ownerReferences": [owner]}
        if not node:
            status = {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                                          "message": self.unschedulable_message(nodes)}], "qosClass": "BestEffort"}
            return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}
        spec["nodeName"] = node
        ready = bool(info and info["ready"]) and time.time() - c.parse_rfc3339(started) >= STARTUP_SECONDS
        flag = "True" if ready else "False"
        ip = (info or {}).get("ip", "")
        status = {"phase": "Running",
                  "conditions": [{"type": "PodReadyToStartContainers", "status": "True"}, {"type": "Initialized", "status": "True"},
                                 {"type": "Ready", "status": flag}, {"type": "ContainersReady", "status": flag}, {"type": "PodScheduled", "status": "True"}],
                  "hostIP": ip, "hostIPs": [{"ip": ip}] if ip else [], "startTime": started, "qosClass": "BestEffort",
                  "containerStatuses": [{"name": x.get("name", "main"), "image": x.get("image", ""), "ready": ready, "started": True,
                                         "restartCount": 0, "state": {"running": {"startedAt": started}}} for x in spec["containers"]]}
        if spec.get("hostNetwork") and ip:
            status["podIP"], status["podIPs"] = ip, [{"ip": ip}]
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}

    def workload_pods(self, namespace, nodes=None):
        """Pods the controllers would make (stand-in: listed, never run): one per node for DaemonSets (also on
        cordoned nodes: DaemonSet pods tolerate node.kubernetes.io/unschedulable), replicas for Deployments
        (bound to schedulable nodes, Pending when none is left), the API server's mirror pod on each
        control-plane node."""
        nodes = self.node_snapshot() if nodes is None else nodes
        pods = []
        recreated = {}

        def recreation(ns, ident):
            if ns not in recreated:
                recreated[ns] = self.recreations(ns)[0]
            return recreated[ns].get(ident) or {"gen": 0}

        for ds, _ in self.store.list(storage_key("apps", "daemonsets", namespace)):
            meta = ds["metadata"]
            owner = {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": meta["name"], "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}
            for n in sorted(nodes):
                r = recreation(meta["namespace"], f"ds/{meta['name']}/{n}")
                seed = meta["uid"] + n + (f"#{r['gen']}" if r["gen"] else "")
                created = r.get("at") or max(meta["creationTimestamp"], nodes[n]["created"])
                name = f"{meta['name']}-{short_hash(seed, 5)}"
                pods.append(self.make_pod(meta["namespace"], name, str(uuid.uuid5(uuid.NAMESPACE_URL, seed)), n, owner, ds["spec"]["template"],
                                          created, r.get("at") or created if r["gen"] else "1970-01-01T00:00:00Z", nodes,
                                          extra_labels={"controller-revision-hash": short_hash(meta["uid"], 10), "pod-template-generation": "1"}))
        deployments = {}
        for dep, _ in self.store.list(storage_key("apps", "deployments", namespace)):
            meta = dep["metadata"]
            deployments[(meta["namespace"], meta["name"])] = True
            rec, _ = self.replicas_of(dep, nodes)
            rs = f"{meta['name']}-{short_hash(meta['uid'], 10)}"
            owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs, "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, meta["uid"] + "/rs")),
                     "controller": True, "blockOwnerDeletion": True}
            for p in rec["pods"]:
                pods.append(self.make_pod(meta["namespace"], p["name"], str(uuid.uuid5(uuid.NAMESPACE_URL, f"{meta['uid']}/{p['name']}")), p["node"], owner,
                                          dep["spec"]["template"], p["created"], p["bound"], nodes, extra_labels={"pod-template-hash": short_hash(meta["uid"], 10)}))
        prefix = f"{STANDIN_PREFIX}/replicasets/{namespace + '/' if namespace else ''}"
        for rec, rev in self.store.list(prefix):  # garbage collection: the Deployment is gone, so are its pods
            if (rec.get("namespace"), rec.get("name")) not in deployments:
                self.store.cas_delete(f"{STANDIN_PREFIX}/replicasets/{rec.get('namespace')}/{rec.get('name')}", rev)
        if namespace in (None, "kube-system"):
            for n in sorted(x for x in nodes if nodes[x]["cp"]):
                r = recreation("kube-system", f"mirror/{n}")
                info = nodes[n]
                image = info.get("apiserver_image") or f"lab-standin.invalid/kube-apiserver:{c.VERSION}"
                config_hash = short_hash(n + "kube-apiserver" + image, 16)
                owner = {"apiVersion": "v1", "kind": "Node", "name": n, "uid": info["uid"], "controller": True}
                template = {"metadata": {"labels": {"component": "kube-apiserver", "tier": "control-plane"}},
                            "spec": {"hostNetwork": True, "priorityClassName": "system-node-critical", "priority": 2000001000,
                                     "containers": [{"name": "kube-apiserver", "image": image}]}}
                annotations = {MIRROR_ANNOTATION: config_hash, "kubernetes.io/config.hash": config_hash, "kubernetes.io/config.source": "file",
                               "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": f"{info['ip']}:6443"}
                created = r.get("at") or info["created"]
                pods.append(self.make_pod("kube-system", f"kube-apiserver-{n}", str(uuid.uuid5(uuid.NAMESPACE_URL, f"{info['uid']}/mirror/{r['gen']}/{image}")), n,
                                          owner, template, created, "1970-01-01T00:00:00Z", nodes, annotations=annotations))
        return pods

    def remove_pod(self, pod, nodes=None):
        """A pod deleted (directly or by an eviction): what its controller does next."""
        meta = pod["metadata"]
        if "lab-standin" not in (meta.get("annotations") or {}):  # a Pod object created through the API
            self.store.delete(storage_key("", "pods", meta["namespace"], meta["name"]))
            return
        owner = next((o for o in meta.get("ownerReferences") or [] if o.get("controller")), {})
        node = (pod.get("spec") or {}).get("nodeName", "")
        if owner.get("kind") == "ReplicaSet":
            dep_name = owner["name"].rsplit("-", 1)[0]
            dep, _ = self.store.get(storage_key("apps", "deployments", meta["namespace"], dep_name))
            if dep:
                def drop(rec):
                    rec["pods"] = [p for p in rec["pods"] if p["name"] != meta["name"]]
                self.replicas_of(dep, self.node_snapshot() if nodes is None else nodes, drop)
        elif owner.get("kind") == "DaemonSet":
            self.bump_recreation(meta["namespace"], f"ds/{owner['name']}/{node}")
        elif owner.get("kind") == "Node":
            self.bump_recreation(meta["namespace"], f"mirror/{node}")

    # ------------------------------------------------------------------ PodDisruptionBudgets and eviction
    def pdb_status(self, pdb, pods, disrupted):
        """The disruption controller's status for a PDB: expected/desired/current healthy pods, disruptions
        allowed; None for a failed sync (a pod without a scalable controller under a percentage or
        maxUnavailable budget)."""
        spec = pdb.get("spec") or {}
        reqs = c.selector_requirements(spec.get("selector"))
        matched = [p for p in pods if reqs and c.labels_match(reqs, p["metadata"].get("labels"))] if reqs is not None else []
        if spec.get("selector") == {}:  # policy/v1: an empty selector selects every pod of the namespace
            matched = list(pods)

        def expected_scale():
            scales = {}
            for p in matched:
                owner = next((o for o in p["metadata"].get("ownerReferences") or [] if o.get("controller")), None)
                if not owner:
                    continue
                if owner.get("kind") != "ReplicaSet" or owner["uid"] not in self._rs_scales(p["metadata"]["namespace"]):
                    raise ValueError(f'found no controllers for pod "{p["metadata"]["name"]}"')
                scales[owner["uid"]] = self._rs_scales(p["metadata"]["namespace"])[owner["uid"]]
            return sum(scales.values())

        def scaled(value, total):
            if isinstance(value, int):
                return value
            if not re.fullmatch(r"\d+%", str(value)):
                raise ValueError("invalid value for IntOrString: invalid type: string is not a percentage")
            return -(-int(str(value)[:-1]) * total // 100)
        try:
            if spec.get("maxUnavailable") is not None:
                expected = expected_scale()
                desired = max(0, expected - scaled(spec["maxUnavailable"], expected))
            elif spec.get("minAvailable") is not None:
                if isinstance(spec["minAvailable"], int):
                    desired, expected = spec["minAvailable"], len(matched)
                else:
                    expected = expected_scale()
                    desired = scaled(spec["minAvailable"], expected)
            else:
                desired = expected = 0
        except ValueError as e:
            return {"error": str(e)}
        now = time.time()
        healthy = sum(1 for p in matched if pod_ready(p) and not (p["metadata"]["name"] in disrupted and
                                                                   now - c.parse_rfc3339(disrupted[p["metadata"]["name"]]) < PDB_DELETION_TIMEOUT))
        allowed = healthy - desired
        if expected <= 0 or allowed <= 0:
            allowed = 0
        return {"currentHealthy": healthy, "desiredHealthy": desired, "expectedPods": expected, "disruptionsAllowed": allowed}

    def _rs_scales(self, namespace):
        """ReplicaSet uid (of the stand-in's Deployment pods) -> the Deployment's replicas."""
        out = {}
        for dep, _ in self.store.list(storage_key("apps", "deployments", namespace)):
            replicas = (dep.get("spec") or {}).get("replicas")
            out[str(uuid.uuid5(uuid.NAMESPACE_URL, dep["metadata"]["uid"] + "/rs"))] = 1 if replicas is None else int(replicas)
        return out

    def pods_of(self, namespace, nodes=None):
        stored = [self.present("", "pods", o, r) for o, r in self.store.list(storage_key("", "pods", namespace))]
        return stored + self.workload_pods(namespace, nodes)

    def pdb_disruptions(self, pdb):
        rec, rev = self.store.get(f"{STANDIN_PREFIX}/pdb-disruptions/{pdb['metadata']['namespace']}/{pdb['metadata']['name']}")
        return (rec or {}).get("disruptedPods") or {}, rev

    def pdb_present(self, pdb, pods=None):
        disrupted, _ = self.pdb_disruptions(pdb)
        pods = self.pods_of(pdb["metadata"]["namespace"]) if pods is None else pods
        st = self.pdb_status(pdb, pods, disrupted)
        gen = pdb["metadata"].setdefault("generation", 1)
        if "error" in st:
            cond = {"type": "DisruptionAllowed", "status": "False", "reason": "SyncFailed", "message": st["error"], "observedGeneration": 0}
            pdb["status"] = {"observedGeneration": 0, "disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0, "conditions": [cond]}
            return st
        ok = st["disruptionsAllowed"] > 0
        cond = {"type": "DisruptionAllowed", "status": "True" if ok else "False", "reason": "SufficientPods" if ok else "InsufficientPods",
                "message": "", "observedGeneration": gen, "lastTransitionTime": pdb["metadata"].get("creationTimestamp")}
        pdb["status"] = {"observedGeneration": gen, **st, "conditions": [cond]}
        names = {p["metadata"]["name"] for p in pods}  # the controller drops entries of pods that are gone
        fresh = {k: v for k, v in disrupted.items() if k in names and time.time() - c.parse_rfc3339(v) < PDB_DELETION_TIMEOUT}
        if fresh:
            pdb["status"]["disruptedPods"] = fresh
        return st

    def evict(self, namespace, name, body, dry_run):
        """POST pods/NAME/eviction (policy/v1 Eviction): the pod is deleted unless a PodDisruptionBudget
        would be violated (429), as pkg/registry/core/pod/storage/eviction.go decides."""
        if (body.get("metadata") or {}).get("name") != name:
            raise Status(400, "BadRequest", "name in URL does not match name in Eviction object")
        options = body.get("deleteOptions") or {}
        dry_run = dry_run or "All" in (options.get("dryRun") or [])
        success = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
        for _ in range(20):
            nodes = self.node_snapshot()
            pods = self.pods_of(namespace, nodes)
            pod = next((p for p in pods if p["metadata"]["name"] == name), None)
            if pod is None:
                raise not_found("pods", "", name)
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed", "Pending") or pod["metadata"].get("deletionTimestamp"):
                if not dry_run:
                    self.remove_pod(pod, nodes)
                return success
            pdbs = []
            for pdb, rev in self.store.list(storage_key("policy", "poddisruptionbudgets", namespace)):
                sel = (pdb.get("spec") or {}).get("selector")
                reqs = c.selector_requirements(sel)
                if sel == {} or (reqs and c.labels_match(reqs, pod["metadata"].get("labels"))):
                    pdbs.append(pdb)
            if len(pdbs) > 1:
                return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                        "message": "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.", "code": 500}
            if not pdbs:
                if not dry_run:
                    self.remove_pod(pod, nodes)
                return success
            pdb = pdbs[0]
            disrupted, rev = self.pdb_disruptions(pdb)
            st = self.pdb_status(pdb, pods, disrupted)
            ready = pod_ready(pod)
            policy = (pdb.get("spec") or {}).get("unhealthyPodEvictionPolicy", "IfHealthyBudget")
            if not ready and (policy == "AlwaysAllow" or ("error" not in st and st["currentHealthy"] >= st["desiredHealthy"] and st["desiredHealthy"] > 0)):
                if not dry_run:
                    self.remove_pod(pod, nodes)
                return success
            if "error" in st:  # the disruption controller could not sync it: observedGeneration lags
                raise Status(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.",
                             {"causes": [{"reason": "DisruptionBudget", "message": f"The disruption budget {pdb['metadata']['name']} is still being processed by the server."}],
                              "retryAfterSeconds": 10}, headers={"Retry-After": "10"})
            if st["disruptionsAllowed"] == 0:
                raise Status(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.",
                             {"causes": [{"reason": "DisruptionBudget", "message": f"The disruption budget {pdb['metadata']['name']} needs "
                                                                                   f"{st['desiredHealthy']} healthy pods and has {st['currentHealthy']} currently"}]})
            if dry_run:
                return success
            now = time.time()
            kept = {k: v for k, v in disrupted.items() if now - c.parse_rfc3339(v) < PDB_DELETION_TIMEOUT}
            kept[name] = c.now_rfc3339()
            # checkAndDecrement: the PDB's disruptedPods written first (compare-and-swap: a concurrent eviction
            # covered by the same budget retries with the updated count, as on a resourceVersion conflict)
            if not self.store.cas(f"{STANDIN_PREFIX}/pdb-disruptions/{namespace}/{pdb['metadata']['name']}", {"disruptedPods": kept}, rev):
                continue
            self.remove_pod(pod, nodes)
            return success
        raise Status(504, "Timeout", f"couldn't update PodDisruptionBudget \"{pdbs[0]['metadata']['name']}\" due to conflicts", {"retryAfterSeconds": 10})

    def create(self, group, plural, namespaced, namespace, obj, dry_run=False):
        meta = obj.setdefault("metadata", {})
        if not meta.get("name"):
            raise Status(422, "Invalid", f"{plural} is invalid: metadata.name: Required value: name or generateName is required")
        if namespaced:
            if namespace is None:
                raise Status(400, "BadRequest", "the namespace of the object does not match the namespace on the request")
            meta["namespace"] = namespace
            ns_obj = self.store.get(storage_key("", "namespaces", None, namespace))[0]
            if ns_obj is None:
                raise Status(404, "NotFound", f'namespaces "{namespace}" not found')
            if ns_obj.get("status", {}).get("phase") == "Terminating":
                raise Status(403, "Forbidden", f'{plural} "{meta["name"]}" is forbidden: unable to create new content in namespace {namespace} '
                             "because it is being terminated")
        self.admit(group, plural, obj, None)
        self.new_meta(obj)
        meta["generation"] = 1
        meta.pop("resourceVersion", None)
        key = storage_key(group, plural, namespace if namespaced else None, meta["name"])
        if dry_run:  # dryRun=All (kubectl diff, --dry-run=server): every check, nothing stored
            rev = None if self.store.get(key)[0] is not None else 0
        else:
            rev = self.store.create(key, obj)
        if rev is None:
            raise Status(409, "AlreadyExists", f'{plural}{"." + group if group else ""} "{meta["name"]}" already exists')
        if (group, plural) == ("", "namespaces") and not dry_run:
            self.ensure_default_service_account(meta["name"])
        return self.present(group, plural, obj, rev)

    def ensure_default_service_account(self, namespace):
        """The ServiceAccount controller's job: every namespace has a `default` ServiceAccount."""
        self.store.create(storage_key("", "serviceaccounts", namespace, "default"),
                          self.new_meta({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": namespace}}))

    def update(self, group, plural, namespaced, namespace, name, obj, dry_run=False, read_at=None):
        """PUT (and the write of a PATCH read at revision read_at): optimistic concurrency as kube's — a
        resourceVersion in the body that is not the stored one, or a write that lost a race, is a 409."""
        key = storage_key(group, plural, namespace if namespaced else None, name)
        old, rev = self.store.get(key)
        if old is None:
            raise not_found(plural, group, name)
        wanted = obj["metadata"].pop("resourceVersion", None)
        if wanted not in (None, "") and wanted != str(rev):
            raise conflict(plural, group, name)
        if read_at is not None and read_at != rev:
            raise RaceLost(conflict(plural, group, name))
        obj["metadata"]["uid"], obj["metadata"]["creationTimestamp"] = old["metadata"]["uid"], old["metadata"]["creationTimestamp"]
        if namespaced:
            obj["metadata"]["namespace"] = namespace
        self.admit(group, plural, obj, old)
        # metadata.generation counts changes of the spec, defaults included (what observedGeneration is compared with)
        obj["metadata"]["generation"] = old["metadata"].get("generation", 1) + (obj.get("spec") != old.get("spec"))
        if dry_run:
            return self.present(group, plural, obj, rev)
        written = self.store.cas(key, obj, rev)
        if not written:
            raise RaceLost(conflict(plural, group, name)) if read_at is not None else conflict(plural, group, name)
        return self.present(group, plural, obj, written)

    def delete(self, group, plural, namespaced, namespace, name, dry_run=False, preconditions=None):
        obj = self.get(group, plural, namespace if namespaced else None, name)
        for field in ("uid", "resourceVersion"):
            wanted = (preconditions or {}).get(field)
            if wanted and wanted != obj["metadata"].get(field):
                raise Status(409, "Conflict", f'Operation cannot be fulfilled on {plural}{"." + group if group else ""} "{name}": Precondition failed: '
                             f"{field.replace('resourceVersion', 'ResourceVersion').replace('uid', 'UID')} in precondition: {wanted}, "
                             f"{field.replace('resourceVersion', 'ResourceVersion').replace('uid', 'UID')} in object meta: {obj['metadata'].get(field)}")
        if group == "" and plural == "namespaces" and name in PROTECTED_NAMESPACES:
            raise Status(403, "Forbidden", f'namespaces "{name}" is forbidden: this namespace may not be deleted')
        if dry_run:
            return obj
        if group == "" and plural == "pods" and "lab-standin" in (obj["metadata"].get("annotations") or {}):
            self.remove_pod(obj)  # a controller's pod: its controller makes a new one
            return obj
        if group == "" and plural == "namespaces":
            return self.terminate_namespace(obj)
        self.store.delete(storage_key(group, plural, namespace if namespaced else None, name))
        if group == "" and plural == "nodes":
            # the Node's Lease has an ownerReference to it: the garbage collector deletes it too (its
            # DaemonSet and mirror pods go with the node, its Deployment pods are rescheduled by pod GC)
            self.store.delete(storage_key("coordination.k8s.io", "leases", "kube-node-lease", name))
        return obj

    def terminate_namespace(self, ns):
        """DELETE of a namespace: Terminating at once, then the namespace controller's job, a moment later,
        in the background: everything in it deleted, then the namespace (`kubectl delete` waits for that)."""
        name = ns["metadata"]["name"]
        if ns.get("status", {}).get("phase") != "Terminating":
            ns["metadata"]["deletionTimestamp"] = c.now_rfc3339()
            ns["status"] = {**ns.get("status", {}), "phase": "Terminating"}
            ns["metadata"].pop("resourceVersion", None)
            self.store.put(storage_key("", "namespaces", None, name), ns)
        # (again on a DELETE of a Terminating namespace: its first finalizer may have died with its API server)
        threading.Timer(NAMESPACE_FINALIZE_SECONDS, self.finalize_namespace, args=(name,)).start()
        return self.get("", "namespaces", None, name)

    def finalize_namespace(self, name):
        try:
            for g, _, p, _, namespaced in self.kinds():
                if namespaced:
                    for child, _ in self.store.list(storage_key(g, p, name)):
                        self.store.delete(storage_key(g, p, name, child["metadata"]["name"]))
            self.store.delete(storage_key("", "namespaces", None, name))
        except EtcdUnavailable as e:  # stays Terminating, as a real one does while its controller cannot finish
            print(f"namespace {name}: not finalized: {e}", file=sys.stderr)

    def patch(self, group, plural, namespaced, namespace, name, content_type, raw, params=None):
        """A PATCH applied to the object as stored; when another write got in between its read and its write,
        applied again to the new one (kube's GuaranteedUpdate), unless the patch itself names a resourceVersion."""
        for attempt in range(5):
            try:
                return self.patch_once(group, plural, namespaced, namespace, name, content_type, raw, params)
            except RaceLost as lost:
                if attempt == 4:
                    raise lost.status

    def patch_once(self, group, plural, namespaced, namespace, name, content_type, raw, params=None):
        """PATCH: strategic merge (built-in kinds), JSON merge, JSON patch and server-side apply, applied to
        the stored object; a patch that changes nothing is not written (the resourceVersion stays), as in
        kube-apiserver."""
        params = params or {}
        dry_run = params.get("dryRun") == "All"
        media = (content_type or "").split(";")[0].strip()
        if media == "application/apply-patch+yaml":
            return self.server_side_apply(group, plural, namespaced, namespace, name, raw, params)
        builtin = any(b[0] == group and b[2] == plural for b in BUILTIN)
        accepted = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"] + \
            (["application/strategic-merge-patch+json"] if builtin else [])
        if media not in accepted:
            raise Status(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: " + ", ".join(accepted))
        try:
            doc = json.loads(raw or b"null")
        except ValueError as e:
            raise Status(400, "BadRequest", f"error decoding patch: {e}")
        key = storage_key(group, plural, namespace if namespaced else None, name)
        live, live_rev = self.store.get(key)
        if live is None:
            raise not_found(plural, group, name)
        before = json.loads(json.dumps(live))
        try:
            if media == "application/json-patch+json":
                merged = c.json_patch(live, doc)
            elif media == "application/merge-patch+json":
                merged = c.merge_patch(live, doc)
            else:
                if not isinstance(doc, dict):
                    raise c.PatchError("strategic merge patch must be a JSON object")
                merged = c.strategic_merge(live, doc)
        except c.PatchError as e:
            raise Status(422, "Invalid", f"the server rejected our request due to an error in our request: {e}")
        if not isinstance(merged, dict) or (merged.get("metadata") or {}).get("name") != name:
            raise Status(422, "Invalid", f"{plural} \"{name}\" is invalid: metadata.name: Invalid value: the name of the object cannot be changed")
        if unchanged(merged, before):
            return self.get(group, plural, namespace if namespaced else None, name)
        return self.update(group, plural, namespaced, namespace, name, merged, dry_run, read_at=live_rev)

    def server_side_apply(self, group, plural, namespaced, namespace, name, raw, params):
        manager = params.get("fieldManager", "")
        if not manager:
            raise Status(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")
        try:
            applied = yaml.safe_load(raw or b"") or {}
        except yaml.YAMLError as e:
            raise Status(400, "BadRequest", f"error decoding YAML: {e}")
        if not isinstance(applied, dict) or (applied.get("metadata") or {}).get("name") != name:
            raise Status(400, "BadRequest", f"the name of the object ({(applied.get('metadata') or {}).get('name') if isinstance(applied, dict) else ''}) "
                         f"does not match the name on the URL ({name})")
        dry_run = params.get("dryRun") == "All"
        key = storage_key(group, plural, namespace if namespaced else None, name)
        live, live_rev = self.store.get(key)
        try:
            merged = ssa.apply(live, applied, manager, params.get("force") == "true", applied.get("apiVersion", ""))
        except ssa.Conflict as e:
            raise Status(409, "Conflict", f"Apply failed with {len(e.conflicts)} conflict{'s' if len(e.conflicts) > 1 else ''}: {e}",
                         {"causes": [{"reason": "FieldManagerConflict", "message": f'conflict with "{m}"', "field": p} for m, p in e.conflicts]})
        if live is None:
            return self.create(group, plural, namespaced, namespace, merged, dry_run)
        if unchanged(merged, live):
            return self.get(group, plural, namespace if namespaced else None, name)
        return self.update(group, plural, namespaced, namespace, name, merged, dry_run, read_at=live_rev)

    # ------------------------------------------------------------------ admission
    def admit(self, group, plural, obj, old):
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        if sum(len(k) + len(v or "") for k, v in annotations.items()) > TOTAL_ANNOTATION_SIZE_LIMIT:
            # what makes a client-side apply of a big CRD fail: its last-applied-configuration annotation
            kind = obj.get("kind", plural)
            raise Status(422, "Invalid", f'{kind}{"." + group if group else ""} "{obj["metadata"].get("name", "")}" is invalid: metadata.annotations: '
                         f"Too long: may not be more than {TOTAL_ANNOTATION_SIZE_LIMIT} bytes")
        if group == "" and plural == "services":
            self.allocate_service(obj, old)
        if group == "apps" and plural in ("deployments", "daemonsets"):
            # the defaults kube's API sets (kubectl rollout status refuses a workload without a RollingUpdate strategy)
            spec = obj.setdefault("spec", {})
            field = "strategy" if plural == "deployments" else "updateStrategy"
            rolling = {"maxUnavailable": "25%", "maxSurge": "25%"} if plural == "deployments" else {"maxUnavailable": 1, "maxSurge": 0}
            strategy = spec.setdefault(field, {"type": "RollingUpdate"})
            if strategy.get("type", "RollingUpdate") == "RollingUpdate":
                strategy["type"] = "RollingUpdate"
                strategy.setdefault("rollingUpdate", rolling)
            spec.setdefault("revisionHistoryLimit", 10)
            if plural == "deployments":
                spec.setdefault("replicas", 1)
                spec.setdefault("progressDeadlineSeconds", 600)

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

    def self_subject_access_review(self, user, groups, body):
        """kubectl auth can-i: the stand-in's own authorizer asked about the caller (non-resource URLs:
        allowed to the admins only)."""
        spec = body.get("spec") or {}
        attrs = spec.get("resourceAttributes")
        if attrs:
            allowed = self.allowed(user, groups, attrs.get("verb", ""), attrs.get("group", ""), attrs.get("resource", ""),
                                   attrs.get("namespace") or None, attrs.get("name", ""))
        else:
            allowed = bool(ADMIN_GROUPS & set(groups))
        status = {"allowed": allowed} if allowed else {"allowed": False, "reason": "no RBAC rule of the lab stand-in allows it"}
        return {**body, "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "status": status}

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
    # TCP_NODELAY, as Go's net/http sets on every connection of the real API server. With Nagle's algorithm
    # on, a response's body (written after its headers) waited for the client's delayed ACK: ~40 ms per
    # request, 1.4 s for a `kubectl get -f` of the ingress manifest's 19 objects (0.6 s without).
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        if os.environ.get("STANDIN_ACCESS_LOG"):
            super().log_message(fmt, *args)

    def send_json(self, code, body, headers=None):
        data = (json.dumps(body) if not isinstance(body, str) else body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json" if not isinstance(body, str) else "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def send_watch(self, list_now, params, computed, as_table=None):
        """A watch stream: chunked JSON events until the timeout or the client goes away. The first list
        happens before the headers, so its errors are answered as usual."""
        first = list_now()
        self.send_response(200)
        self.send_header("Content-Type", "application/json;stream=watch")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True  # a stream ends the connection (no keep-alive after it)
        try:
            def send(kind, obj):
                if as_table and kind != "BOOKMARK":
                    obj = as_table(obj)
                self.write_chunk(json.dumps({"type": kind, "object": obj}).encode() + b"\n")
            for kind, obj in watch.initial_events(first, params, computed):
                send(kind, obj)
            for kind, obj in watch.later_events(first, list_now, params, self.client_gone):
                send(kind, obj)
            self.write_chunk(b"")
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass
        except Exception as e:  # noqa: BLE001 — mid-stream: kube sends an ERROR event, then ends the stream
            status = e.body() if isinstance(e, Status) else Status(503, "ServiceUnavailable", f"watch ended: {e}").body()
            try:
                self.write_chunk(json.dumps({"type": "ERROR", "object": status}).encode() + b"\n")
                self.write_chunk(b"")
            except OSError:
                pass

    def client_gone(self):
        """True when the client closed its end, so a watch nobody reads stops polling. A watch client sends
        nothing: the socket turning readable means EOF or TLS close_notify (or a byte we may drop)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
        except (OSError, ValueError):
            return True
        if not readable:
            return False
        try:
            self.connection.setblocking(False)
            return self.connection.recv(1) == b""
        except (ssl.SSLWantReadError, BlockingIOError):
            return False
        except (ssl.SSLError, OSError):
            return True
        finally:
            try:
                self.connection.setblocking(True)
            except OSError:
                pass

    def write_chunk(self, data):
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def server_address(self):
        host, port = self.connection.getsockname()[:2]
        return f"{host}:{port}"

    def raw_body(self):
        """The request body, read once (also when the request is refused: the connection may be reused)."""
        if getattr(self, "_raw", None) is None:
            n = int(self.headers.get("Content-Length") or 0)
            self._raw = self.rfile.read(n) if n else b""
        return self._raw

    def body(self):
        raw = self.raw_body()
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() == "application/vnd.kubernetes.protobuf":
            try:  # kubectl's typed commands (create token, create namespace, auth can-i) send protobuf
                return k8s_protobuf.decode_body(raw)
            except Exception as e:  # noqa: BLE001 — any malformed body is the client's error, never a dropped connection
                raise Status(415, "UnsupportedMediaType", f"the body could not be decoded as protobuf: {e}")
        return json.loads(raw) if raw else {}

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def dispatch(self, method):
        api: Api = self.server.api
        self._raw = None
        self.raw_body()
        try:
            path, _, query = self.path.partition("?")
            path = path.rstrip("/") or "/"
            params = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
            if path in ("/healthz", "/livez", "/readyz"):
                if path == "/readyz" and not api.store.healthy():
                    return self.send_json(500, "[-]etcd failed: reason withheld\nreadyz check failed")
                return self.send_json(200, "ok")
            user, groups = api.authenticate(self.connection.getpeercert(), self.headers.get("Authorization", ""))
            if self.headers.get("Impersonate-User"):  # kubectl --as / --as-group: the admins may act as anyone
                user, groups = api.impersonate(user, groups, self.headers["Impersonate-User"], self.headers.get_all("Impersonate-Group") or [])
            if path == "/version":
                return self.send_json(200, {"major": "1", "minor": c.VERSION.split(".")[1], "gitVersion": c.VERSION, "gitCommit": "lab-standin",
                                            "gitTreeState": "clean", "buildDate": "1970-01-01T00:00:00Z", "goVersion": "python", "compiler": "lab-standin",
                                            "platform": "linux/amd64"})
            if path == "/api":
                return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": self.server_address()}]})
            if path == "/apis":
                return self.send_json(200, api.group_list())
            if path == "/openapi/v3":
                return self.send_json(200, openapi.index(api.kinds()))
            if path.startswith("/openapi/v3/"):
                parts = path.split("/")[3:]
                doc = openapi.gv_document(api.kinds(), parts[1] if parts[0] == "apis" else "", parts[-1]) if len(parts) in (2, 3) else None
                if doc is None:
                    raise Status(404, "NotFound", "the server could not find the requested resource")
                return self.send_json(200, doc)
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
            dry_run = params.get("dryRun") == "All"
            verb = {"GET": "get" if name else "list", "POST": "create", "PUT": "update", "DELETE": "delete", "PATCH": "patch"}[method]
            if method == "POST" and plural == "selfsubjectaccessreviews":  # every authenticated user may ask about itself
                return self.send_json(201, api.self_subject_access_review(user, groups, self.body()))
            if not api.allowed(user, groups, verb, group, plural, namespace, name):
                scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
                raise Status(403, "Forbidden", f'{plural}{"." + group if group else ""}{" " + chr(34) + name + chr(34) if name else ""} is forbidden: '
                             f'User "{user}" cannot {verb} resource "{plural}" in API group "{group}" {scope}')
            if method == "POST" and plural == "tokenreviews":
                return self.send_json(201, api.token_review(self.body()))
            if method == "POST" and plural == "serviceaccounts" and sub == "token":
                return self.send_json(201, api.token_request(namespace, name, self.body()))
            if method == "POST" and plural == "pods" and sub == "eviction":
                out = api.evict(namespace, name, self.body(), params.get("dryRun") == "All")
                return self.send_json(out.get("code", 201), out)
            if sub:
                raise Status(404, "NotFound", "the server could not find the requested resource")
            if (group, plural) == ("apps", "replicasets") and method != "GET":
                raise Status(405, "MethodNotAllowed", "the lab stand-in's ReplicaSets are the Deployment controller's (read-only): change the Deployment")
            if method == "GET" and params.get("watch") in ("true", "1"):
                as_table = None
                if tables.wants_table(self.headers.get("Accept", "")):  # kubectl get -w: each event's object a one-row Table
                    columns = api.printer_columns(group, version, plural)
                    as_table = lambda o: tables.to_table(o, params.get("includeObject", "Metadata"), printer_columns=columns)  # noqa: E731
                return self.send_watch(lambda: api.list(group, version, plural, kind, namespace, params.get("labelSelector", ""),
                                                        params.get("fieldSelector", "")), params, api.computed(group, plural), as_table)
            if method == "GET":
                out = api.get(group, plural, namespace, name) if name else \
                    api.list(group, version, plural, kind, namespace, params.get("labelSelector", ""), params.get("fieldSelector", ""))
                if tables.wants_table(self.headers.get("Accept", "")):  # kubectl get's columns come from the server
                    out = tables.to_table(out, params.get("includeObject", "Metadata"), printer_columns=api.printer_columns(group, version, plural))
                return self.send_json(200, out)
            if method == "PATCH":
                return self.send_json(200, api.patch(group, plural, namespaced, namespace, name, self.headers.get("Content-Type", ""), self.raw_body(), params))
            if method == "POST":
                obj = self.body()
                if plural == "certificatesigningrequests":
                    obj = api.sign_csr(obj, user, groups)
                return self.send_json(201, api.create(group, plural, namespaced, namespace, obj, dry_run))
            if method == "PUT":
                return self.send_json(200, api.update(group, plural, namespaced, namespace, name, self.body(), dry_run))
            options = self.body() if self.raw_body() else {}  # DeleteOptions: kubectl sends dryRun there, not in the query
            dry_run = dry_run or "All" in (options.get("dryRun") or [])
            return self.send_json(200, api.delete(group, plural, namespaced, namespace, name, dry_run, options.get("preconditions") or {}))
        except Status as s:
            self.send_json(s.code, s.body(), s.headers)
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
    with open(manifest, "rb") as f:
        loaded = hashlib.sha256(f.read()).hexdigest()
    flags = read_flags(manifest)
    try:  # which manifest this process runs: the kubelet stand-in restarts it when the file changes
        os.makedirs(os.path.dirname(LOADED_MANIFEST), exist_ok=True)
        with open(LOADED_MANIFEST, "w") as f:
            f.write(loaded + "\n")
    except OSError:
        pass
    api = Api(flags)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(flags["tls-cert-file"], flags["tls-private-key-file"])
    ctx.load_verify_locations(flags["client-ca-file"])
    ctx.verify_mode = ssl.CERT_OPTIONAL
    # Not listening before it can answer: a port that accepts connections nobody serves yet would be
    # taken for a live API server by haproxy's TCP check, and requests sent there would hang.
    server = TLSServer((flags.get("bind-address", "0.0.0.0"), int(flags.get("secure-port", "6443"))), Handler, bind_and_activate=False)
    server.ssl_context, server.api = ctx, api
    for attempt in range(60):  # etcd may still be forming its quorum
        try:
            api.ensure_bootstrap_objects()
            break
        except EtcdUnavailable as e:
            print(f"waiting for etcd: {e}", file=sys.stderr)
            time.sleep(2)
    server.server_bind()
    server.server_activate()

    # Stopped (SIGTERM: systemctl stop, the kubelet stand-in removing the static pod): like the real API
    # server's graceful termination, no new connection is taken (clients and haproxy go to another API
    # server at once) and the requests in flight get a moment to finish before the process ends.
    def terminate(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, terminate)
    print(f"kube-apiserver {c.VERSION} ({c.STANDIN_NOTE}) serving on :{flags.get('secure-port', '6443')}, etcd {flags['etcd-servers']}", flush=True)
    server.serve_forever()
    # Connections the kernel already took (the listen backlog) are served, not reset by the close: haproxy
    # sends a connection that fails to open to another API server, but not one that opened and was cut.
    # Only those waiting now (no wait for new ones), then the port closes.
    server.socket.setblocking(False)
    for _ in range(1000):
        try:
            request, address = server.socket.accept()
        except OSError:  # BlockingIOError included: nobody waiting
            break
        request.setblocking(True)
        server.process_request(request, address)
    server.server_close()
    time.sleep(1)


if __name__ == "__main__":
    main()
