# LAB STAND-IN for the kubelet (not Kubernetes): runs no containers. What it imitates: refuses to start
# without its config, with swap on or without the container runtime; TLS bootstrap with
# bootstrap-kubelet.conf (key + CSR, signed certificate, kubelet.conf written); node registration and a
# Lease heartbeat every 10 s sent to the `server:` of /etc/kubernetes/kubelet.conf read at start (so on a
# worker switched by hakube, through haproxy at 127.0.0.1:6443); static pods: while
# /etc/kubernetes/manifests/kube-apiserver.yaml exists the API server stand-in unit runs, it stops
# when the manifest is removed and restarts when the manifest changes (e.g. a new image tag written by
# kubeadm upgrade); the image is reported on the Node for the mirror pod. The version it reports
# (nodeInfo.kubeletVersion) is its package's, read at start: a new one after a package upgrade and a restart.
import hashlib
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import standin_common as c  # noqa: E402

K8S = "/etc/kubernetes"
KUBELET_CONF = f"{K8S}/kubelet.conf"
BOOTSTRAP_CONF = f"{K8S}/bootstrap-kubelet.conf"
CONFIG = "/var/lib/kubelet/config.yaml"
FLAGS = "/var/lib/kubelet/kubeadm-flags.env"
CERT_DIR = "/var/lib/kubelet/pki"
APISERVER_MANIFEST = f"{K8S}/manifests/kube-apiserver.yaml"
APISERVER_UNIT = "kube-apiserver-standin"
LOADED_MANIFEST = "/run/kube-standin/kube-apiserver.loaded"  # written by the API server stand-in at start
APISERVER_IMAGE_ANNOTATION = "lab-standin/kube-apiserver-image"
LEASE_SECONDS = 40
RENEW_SECONDS = 10


def log(text):
    print(text, flush=True)


def fail(text):
    print(f"E kubelet: {text}", file=sys.stderr, flush=True)
    sys.exit(1)  # systemd restarts us (Restart=always), like the real kubelet's crash loop


def flags():
    if not os.path.exists(FLAGS):
        return {}
    with open(FLAGS) as f:
        m = re.search(r'KUBELET_KUBEADM_ARGS="([^"]*)"', f.read())
    out = {}
    for arg in shlex.split(m.group(1) if m else ""):
        k, _, v = arg.lstrip("-").partition("=")
        out[k] = v
    return out


def preconditions():
    if not os.path.exists(CONFIG):
        fail(f'"command failed" err="failed to load kubelet config file, path: {CONFIG}, error: open {CONFIG}: no such file or directory"')
    with open("/proc/swaps") as f:
        if len(f.read().strip().splitlines()) > 1:
            fail('"command failed" err="failed to run Kubelet: running with swap on is not supported, please disable swap or set --fail-swap-on flag to false"')
    if not os.path.exists("/run/containerd/containerd.sock"):
        fail('"command failed" err="failed to run Kubelet: validate service connection: dial unix /run/containerd/containerd.sock: connect: no such file or directory"')
    with open(CONFIG) as f:
        driver = (yaml.safe_load(f) or {}).get("cgroupDriver", "cgroupfs")
    systemd_cgroup = subprocess.run(["grep", "-qs", "SystemdCgroup = true", "/etc/containerd/config.toml"]).returncode == 0
    if (driver == "systemd") != systemd_cgroup:
        log(f'W kubelet: cgroupDriver "{driver}" does not match containerd\'s SystemdCgroup={systemd_cgroup} (pods would fail to start)')


def tls_bootstrap(node):
    """Key + CSR with the bootstrap token, certificate from the API, kubelet.conf pointing at the same server."""
    log(f"I kubelet: no {KUBELET_CONF}: TLS bootstrap with {BOOTSTRAP_CONF}")
    with open(BOOTSTRAP_CONF) as f:
        boot = yaml.safe_load(f)
    server = boot["clusters"][0]["cluster"]["server"]
    ca = c.unb64(boot["clusters"][0]["cluster"]["certificate-authority-data"])
    os.makedirs(CERT_DIR, exist_ok=True)
    key = f"{CERT_DIR}/kubelet-client.key"
    c.gen_rsa_key(key)
    csr = c.make_csr(key, f"system:node:{node}", ["system:nodes"])
    client = c.Client(BOOTSTRAP_CONF)
    created = client.request("POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", {
        "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest", "metadata": {"name": f"csr-{os.urandom(3).hex()}"},
        "spec": {"request": c.b64(csr), "signerName": "kubernetes.io/kube-apiserver-client-kubelet", "usages": ["digital signature", "client auth"]}})
    cert = created.get("status", {}).get("certificate")
    if not cert:
        fail(f"certificate signing request was not approved: {created.get('status')}")
    with open(key) as f:
        key_pem = f.read()
    current = f"{CERT_DIR}/kubelet-client-current.pem"
    c.write_private(current, c.unb64(cert) + key_pem)
    os.remove(key)
    cfg = yaml.safe_load(c.kubeconfig(server, ca, "default-auth", "default-cluster", cert_file=current, key_file=current))
    c.write_private(KUBELET_CONF, yaml.safe_dump(cfg, sort_keys=False))
    log(f"I kubelet: TLS bootstrap done, {KUBELET_CONF} written (server {server})")


def node_object(node, f):
    ip = f.get("node-ip") or socket.gethostbyname(socket.gethostname())
    runtime = subprocess.run(["containerd", "--version"], capture_output=True, text=True).stdout.split()
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": node, "labels": {"kubernetes.io/hostname": node, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"},
                         "annotations": {"lab-standin": "kubelet stand-in: no containers run"}},
            "status": {"addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": node}],
                       "nodeInfo": {"kubeletVersion": c.VERSION, "osImage": "Debian GNU/Linux 12 (bookworm)", "architecture": "amd64",
                                    "operatingSystem": "linux", "containerRuntimeVersion": f"containerd://{runtime[2] if len(runtime) > 2 else 'unknown'}"}}}


def register(client, node, f):
    try:
        client.request("POST", "/api/v1/nodes", node_object(node, f))
        log(f'I kubelet: "Successfully registered node" node="{node}"')
    except c.ApiError as e:
        if e.status != 409:
            raise
        # already registered: its labels and status brought up to date by a merge patch (no lost update
        # against kubeadm's own patch of the Node)
        fresh = node_object(node, f)
        client.request("PATCH", f"/api/v1/nodes/{node}", {"metadata": {"labels": fresh["metadata"]["labels"]}, "status": fresh["status"]},
                       content_type="application/merge-patch+json")


def renew_lease(client, node):
    path = f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{node}"
    spec = {"holderIdentity": node, "leaseDurationSeconds": LEASE_SECONDS, "renewTime": c.now_rfc3339()}
    try:
        lease = client.get(path)
        lease["spec"] = spec
        client.request("PUT", path, lease)
    except c.ApiError as e:
        if e.status != 404:
            raise
        client.request("POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
                       {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": node, "namespace": "kube-node-lease"}, "spec": spec})


def manifest_state():
    """(sha256, image) of the API server's static pod manifest, (None, None) when there is none."""
    try:
        with open(APISERVER_MANIFEST, "rb") as f:
            data = f.read()
        pod = yaml.safe_load(data) or {}
        image = ((pod.get("spec") or {}).get("containers") or [{}])[0].get("image", "")
        return hashlib.sha256(data).hexdigest(), image
    except (OSError, yaml.YAMLError, AttributeError, IndexError):
        return None, None


def sync_static_pods():
    active = subprocess.run(["systemctl", "is-active", "--quiet", APISERVER_UNIT]).returncode == 0
    digest, _ = manifest_state()
    if digest and not active:
        log(f"I kubelet: static pod kube-apiserver: starting {APISERVER_UNIT}")
        subprocess.run(["systemctl", "start", APISERVER_UNIT])
    elif not digest and active and not os.path.exists(APISERVER_MANIFEST):
        log(f"I kubelet: static pod manifest {APISERVER_MANIFEST} removed: stopping {APISERVER_UNIT}")
        subprocess.run(["systemctl", "stop", APISERVER_UNIT])
    elif digest and active:
        # The pod runs the spec it was started from: a changed manifest (new image, new flags) means a new pod.
        try:
            with open(LOADED_MANIFEST) as f:
                loaded = f.read().strip()
            settled = time.time() - os.path.getmtime(LOADED_MANIFEST) > 3
        except OSError:
            return
        if loaded and loaded != digest and settled:
            log(f"I kubelet: static pod manifest {APISERVER_MANIFEST} changed: restarting {APISERVER_UNIT}")
            subprocess.run(["systemctl", "restart", APISERVER_UNIT])


def report_static_pod_image(client, node, published):
    """The image of the API server static pod, on the Node (the API server stand-in shows it on the mirror
    pod, as the real kubelet's mirror pod carries the manifest's image). Returns what is published."""
    _, image = manifest_state()
    if image and image != published:
        client.request("PATCH", f"/api/v1/nodes/{node}", {"metadata": {"annotations": {APISERVER_IMAGE_ANNOTATION: image}}},
                       content_type="application/merge-patch+json")
        return image
    return published


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    preconditions()
    f = flags()
    node = f.get("hostname-override") or socket.gethostname()
    if not os.path.exists(KUBELET_CONF):
        if not os.path.exists(BOOTSTRAP_CONF):
            fail(f'"command failed" err="failed to run Kubelet: unable to load bootstrap kubeconfig: stat {BOOTSTRAP_CONF}: no such file or directory"')
        tls_bootstrap(node)
    client = c.Client(KUBELET_CONF, timeout=8)
    log(f"I kubelet {c.VERSION} ({c.STANDIN_NOTE}): node {node}, API server {client.server} (from {KUBELET_CONF})")
    registered, last_error, image = False, "", ""
    while True:
        sync_static_pods()
        try:
            if not registered:
                register(client, node, f)
                registered = True
            renew_lease(client, node)
            image = report_static_pod_image(client, node, image)
            if last_error:
                log(f"I kubelet: heartbeats resumed through {client.server}")
            last_error = ""
            # The real kubelet watches its static pod directory (inotify): a manifest moved away or back
            # is acted on within a second, not at the next lease renewal.
            for _ in range(RENEW_SECONDS):
                time.sleep(1)
                sync_static_pods()
                image = report_static_pod_image(client, node, image)
        except (c.ApiError, OSError) as e:
            if str(e) != last_error:
                log(f'E kubelet: "failed to update lease" err="{e}" server="{client.server}"')
            last_error = str(e)
            time.sleep(1)  # real kubelet retries lease updates quickly with backoff


if __name__ == "__main__":
    main()
