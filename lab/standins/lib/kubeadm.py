# LAB STAND-IN for kubeadm (not Kubernetes): init, join (worker and control plane), token, upload-certs,
# reset, version. Real openssl PKI under /etc/kubernetes/pki, kubeconfigs, static pod manifest for the API
# server stand-in, bootstrap tokens and cluster-info discovery with CA pinning, encrypted kubeadm-certs.
import argparse
import base64
import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kubeadm_config as kc  # noqa: E402
import standin_common as c  # noqa: E402

K8S = "/etc/kubernetes"
PKI = f"{K8S}/pki"
MANIFESTS = f"{K8S}/manifests"
KUBELET_DIR = "/var/lib/kubelet"
ETCD_DATA_DIR = "/var/lib/etcd"  # kubeadm's default local etcd data directory (reset's remove-etcd-member phase)
APISERVER_UNIT = "kube-apiserver-standin"
CERTS_TTL_SECONDS = 2 * 3600  # kubeadm-certs Secret lifetime, as in kubeadm
UPLOADED = ["ca.crt", "ca.key", "sa.key", "sa.pub", "front-proxy-ca.crt", "front-proxy-ca.key"]


class Failure(Exception):
    pass


def say(text):
    print(text, flush=True)


def sh(*args):
    return subprocess.run(args, capture_output=True, text=True)


# ------------------------------------------------------------------------------------------ preflight
MIN_EXTERNAL_ETCD = "3.5.24"


def version_tuple(v):
    return tuple(int(x) for x in re.findall(r"\d+", v)[:3])


def external_etcd_version(endpoint, external_etcd):
    """etcd's own answer to GET /version (etcdserver), or the error kubeadm reports when it cannot be asked."""
    import ssl
    import urllib.request
    url = endpoint.rstrip("/") + "/version"
    try:
        ctx = None
        if endpoint.startswith("https://"):
            ctx = ssl.create_default_context(cafile=external_etcd.get("caFile"))
            if external_etcd.get("certFile"):
                ctx.load_cert_chain(external_etcd["certFile"], external_etcd.get("keyFile"))
        with urllib.request.urlopen(url, timeout=5, context=ctx) as r:
            return json.loads(r.read()).get("etcdserver"), None
    except Exception as e:  # noqa: BLE001 - as kubeadm: an endpoint it cannot ask fails the same check
        return None, f'Get "{url}": {getattr(e, "reason", e)}'


def preflight(ignored, control_plane, joining, external_etcd=None):
    errors = []

    def check(name, ok, message):
        if not ok and name not in ignored and "all" not in ignored:
            errors.append(f"\t[ERROR {name}]: {message}")

    with open("/proc/swaps") as f:
        check("Swap", len(f.read().strip().splitlines()) <= 1, "running with swap on is not supported. Please disable swap")
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        check("FileContent--proc-sys-net-ipv4-ip_forward", f.read().strip() == "1", "/proc/sys/net/ipv4/ip_forward contents are not set to 1")
    check("CRI", os.path.exists("/run/containerd/containerd.sock") and sh("systemctl", "is-active", "--quiet", "containerd").returncode == 0,
          'container runtime is not running: output: validate service connection: validate CRI v1 runtime API for endpoint "unix:///run/containerd/containerd.sock"')
    check("IsPrivilegedUser", os.geteuid() == 0, "user is not running as root")
    if joining:
        check("FileAvailable--etc-kubernetes-kubelet.conf", not os.path.exists(f"{K8S}/kubelet.conf"), f"{K8S}/kubelet.conf already exists")
        check("FileAvailable--etc-kubernetes-pki-ca.crt", control_plane or not os.path.exists(f"{PKI}/ca.crt"), f"{PKI}/ca.crt already exists")
    if control_plane:
        s = socket.socket()
        # kubeadm's check is Go's net.Listen, which sets SO_REUSEADDR: connections of a stopped API
        # server still in TIME_WAIT do not make the port "in use".
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", 6443))
            free = True
        except OSError:
            free = False
        finally:
            s.close()
        check("Port-6443", free, "Port 6443 is in use")
        check("DirAvailable--etc-kubernetes-manifests", not os.listdir(MANIFESTS) if os.path.isdir(MANIFESTS) else True,
              f"{MANIFESTS} is not empty")
    for field in ("caFile", "certFile", "keyFile"):  # kubeadm's ExternalEtcdClientCertificates check
        path = (external_etcd or {}).get(field)
        if path:
            check("ExternalEtcdClientCertificates", os.path.isfile(path), f"{path} doesn't exist")
    for endpoint in (external_etcd or {}).get("endpoints") or []:
        # kubeadm's ExternalEtcdVersion check (cmd/kubeadm/app/preflight/checks.go): each endpoint's /version,
        # asked with the client certificate, against constants.MinExternalEtcdVersion (3.5.24 in 1.36 and 1.37).
        version, error = external_etcd_version(endpoint, external_etcd)
        if error:
            check("ExternalEtcdVersion", False, error)
            continue
        check("ExternalEtcdVersion", version_tuple(version) >= version_tuple(MIN_EXTERNAL_ETCD),
              f"this version of kubeadm only supports external etcd version >= {MIN_EXTERNAL_ETCD}-0. Current version: {version}")
    if errors:
        raise Failure("error execution phase preflight: [preflight] Some fatal errors occurred:\n" + "\n".join(errors) +
                      "\n[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`")


# ------------------------------------------------------------------------------------------ PKI and kubeconfigs
def api_server_sans(cluster, advertise, node_name):
    service_net = (cluster.get("networking") or {}).get("serviceSubnet", "10.96.0.0/12")
    first = str(ipaddress.ip_network(service_net)[1])
    sans = ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", node_name, first, advertise]
    cpe = cluster.get("controlPlaneEndpoint", "").rsplit(":", 1)[0]
    for extra in [cpe, *((cluster.get("apiServer") or {}).get("certSANs") or [])]:
        if extra and extra not in sans:
            sans.append(extra)
    return sans


def write_kubeconfig(name, server, cn, orgs, cluster_name, days=365):
    with open(f"{PKI}/ca.crt") as f:
        ca = f.read()
    key_path = f"{PKI}/.{name}.key"
    c.gen_rsa_key(key_path)
    cert = c.sign_csr(c.make_csr(key_path, cn, orgs), f"{PKI}/ca.crt", f"{PKI}/ca.key", "clientAuth", days=days)
    with open(key_path) as f:
        key = f.read()
    os.remove(key_path)
    c.write_private(f"{K8S}/{name}.conf", c.kubeconfig(server, ca, cn.split(":")[-1] if name == "kubelet" else cn, cluster_name, cert, key))
    say(f'[kubeconfig] Writing "{name}.conf" kubeconfig file')


def control_plane_certs(cluster, advertise, node_name, new_ca):
    os.makedirs(PKI, exist_ok=True)
    if new_ca:
        c.gen_ca(f"{PKI}/ca.key", f"{PKI}/ca.crt", "kubernetes")
        c.gen_ca(f"{PKI}/front-proxy-ca.key", f"{PKI}/front-proxy-ca.crt", "front-proxy-ca")
        c.gen_rsa_key(f"{PKI}/sa.key")
        c.run(["openssl", "pkey", "-in", f"{PKI}/sa.key", "-pubout", "-out", f"{PKI}/sa.pub"])
        say('[certs] Generating "ca" certificate and key')
    sans = api_server_sans(cluster, advertise, node_name)
    days = validity_days(cluster)
    c.issue_cert(PKI, "apiserver", "kube-apiserver", usage="serverAuth", sans=sans, days=days)
    say(f'[certs] Generating "apiserver" certificate and key\n[certs] apiserver serving cert is signed for DNS names and IPs [{" ".join(sans)}]')
    c.issue_cert(PKI, "apiserver-kubelet-client", "kube-apiserver-kubelet-client", ["kubeadm:cluster-admins"], days=days)
    c.issue_cert(PKI, "front-proxy-client", "front-proxy-client", ca="front-proxy-ca", days=days)


COMPONENTS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler")
IMAGE_REPOSITORY = "lab-standin.invalid"  # the stand-in's images (nothing pulls them)


def image_of(component, version):
    return f"{IMAGE_REPOSITORY}/{component}:{version}"


def control_plane_pods(cluster, advertise, version):
    """The static pods of a control-plane node, as kubeadm's GetStaticPodSpecs: name -> Pod. Only the API
    server's is run (by the kubelet stand-in, as a unit); the other two are written, upgraded and removed
    like kubeadm's, and run nothing."""
    pods = {"kube-apiserver": apiserver_pod(cluster, advertise, version)}
    net = cluster.get("networking") or {}
    cm_flags = {"authentication-kubeconfig": f"{K8S}/controller-manager.conf", "authorization-kubeconfig": f"{K8S}/controller-manager.conf",
                "bind-address": "127.0.0.1", "client-ca-file": f"{PKI}/ca.crt", "cluster-name": cluster.get("clusterName", "kubernetes"),
                "cluster-signing-cert-file": f"{PKI}/ca.crt", "cluster-signing-key-file": f"{PKI}/ca.key", "controllers": "*,bootstrapsigner,tokencleaner",
                "kubeconfig": f"{K8S}/controller-manager.conf", "leader-elect": "true", "requestheader-client-ca-file": f"{PKI}/front-proxy-ca.crt",
                "root-ca-file": f"{PKI}/ca.crt", "service-account-private-key-file": f"{PKI}/sa.key", "use-service-account-credentials": "true"}
    if net.get("podSubnet"):
        cm_flags.update({"allocate-node-cidrs": "true", "cluster-cidr": net["podSubnet"]})
    if net.get("serviceSubnet"):
        cm_flags["service-cluster-ip-range"] = net["serviceSubnet"]
    sched_flags = {"authentication-kubeconfig": f"{K8S}/scheduler.conf", "authorization-kubeconfig": f"{K8S}/scheduler.conf",
                   "bind-address": "127.0.0.1", "kubeconfig": f"{K8S}/scheduler.conf", "leader-elect": "true"}
    for name, flags, extra in (("kube-controller-manager", cm_flags, "controllerManager"), ("kube-scheduler", sched_flags, "scheduler")):
        for arg in (cluster.get(extra) or {}).get("extraArgs") or []:
            flags[arg["name"]] = arg["value"]
        pods[name] = {"apiVersion": "v1", "kind": "Pod",
                      "metadata": {"name": name, "namespace": "kube-system", "labels": {"component": name, "tier": "control-plane"},
                                   "annotations": {"lab-standin": "written like kubeadm's, run by nothing"}},
                      "spec": {"hostNetwork": True, "priorityClassName": "system-node-critical",
                               "containers": [{"name": name, "image": image_of(name, version), "command": [name, *[f"--{k}={v}" for k, v in flags.items()]]}]}}
    return pods


def write_manifest(path, pod):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        yaml.safe_dump(pod, f, sort_keys=False)


def static_pod_manifest(cluster, advertise, version, components=COMPONENTS):
    pods = control_plane_pods(cluster, advertise, version)
    for name in components:
        write_manifest(f"{MANIFESTS}/{name}.yaml", pods[name])
        say(f'[control-plane] Creating static Pod manifest for "{name}"')
    if "kube-apiserver" in components:
        sh("systemctl", "restart", APISERVER_UNIT)


def apiserver_pod(cluster, advertise, version):
    etcd = ",".join(cluster["etcd"]["external"]["endpoints"])
    net = cluster.get("networking") or {}
    flags = {"advertise-address": advertise, "secure-port": "6443", "etcd-servers": etcd, "client-ca-file": f"{PKI}/ca.crt",
             "tls-cert-file": f"{PKI}/apiserver.crt", "tls-private-key-file": f"{PKI}/apiserver.key",
             "service-account-key-file": f"{PKI}/sa.pub", "service-account-signing-key-file": f"{PKI}/sa.key",
             "service-account-issuer": "https://kubernetes.default.svc.cluster.local",
             "service-cluster-ip-range": net.get("serviceSubnet", "10.96.0.0/12"), "authorization-mode": "Node,RBAC",
             "enable-bootstrap-token-auth": "true", "kubelet-client-certificate": f"{PKI}/apiserver-kubelet-client.crt"}
    external = cluster["etcd"]["external"]
    for flag, field in (("etcd-cafile", "caFile"), ("etcd-certfile", "certFile"), ("etcd-keyfile", "keyFile")):
        if external.get(field):
            flags[flag] = external[field]
    for arg in (cluster.get("apiServer") or {}).get("extraArgs") or []:
        flags[arg["name"]] = arg["value"]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kube-apiserver", "namespace": "kube-system",
                                                              "annotations": {"lab-standin": f"run by the {APISERVER_UNIT} unit, not a container"}},
            "spec": {"hostNetwork": True, "containers": [{"name": "kube-apiserver", "image": image_of("kube-apiserver", version),
                                                            "command": ["kube-apiserver", *[f"--{k}={v}" for k, v in flags.items()]]}]}}


def wait_healthy(client, what, seconds=240):
    say(f"[{what}] Waiting for a healthy API server. This can take up to {seconds // 60}m0s")
    deadline = time.time() + seconds
    last = ""
    while time.time() < deadline:
        try:
            code, body = client.request("GET", "/readyz", raw=True)
            if code == 200:
                return
            last = body
        except OSError as e:
            last = str(e)
        time.sleep(1)
    raise Failure(f"error execution phase {what}: could not check the API server's health: {last}\n"
                  f"Unfortunately, an error has occurred, likely caused by: the API server stand-in ({APISERVER_UNIT}) not starting; see journalctl -u {APISERVER_UNIT}")


def kubelet_start(docs, node_name, advertise):
    reg = docs.get("InitConfiguration", docs.get("JoinConfiguration", {})).get("nodeRegistration") or {}
    write_kubelet_config(docs.get("KubeletConfiguration"))
    args = [f"--container-runtime-endpoint={reg.get('criSocket', 'unix:///run/containerd/containerd.sock')}"]
    if reg.get("name") and reg["name"] != socket.gethostname():
        args.append(f"--hostname-override={reg['name']}")
    args += [f"--{a['name']}={a['value']}" for a in reg.get("kubeletExtraArgs") or []]
    with open(f"{KUBELET_DIR}/kubeadm-flags.env", "w") as f:
        f.write(f'KUBELET_KUBEADM_ARGS="{" ".join(args)}"\n')
    say('[kubelet-start] Writing kubelet environment file with flags to file "/var/lib/kubelet/kubeadm-flags.env"\n'
        '[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"\n[kubelet-start] Starting the kubelet')
    sh("systemctl", "restart", "kubelet")


def write_kubelet_config(kcfg):
    """/var/lib/kubelet/config.yaml from a KubeletConfiguration (init/join: the --config file's; upgrade: the
    kubelet-config ConfigMap's), with the defaults kubeadm and the stand-in kubelet rely on."""
    kcfg = dict(kcfg or {})
    kcfg.setdefault("apiVersion", "kubelet.config.k8s.io/v1beta1")
    kcfg.setdefault("kind", "KubeletConfiguration")
    kcfg.setdefault("cgroupDriver", "systemd")
    kcfg.setdefault("nodeStatusUpdateFrequency", "10s")
    os.makedirs(KUBELET_DIR, exist_ok=True)
    with open(f"{KUBELET_DIR}/config.yaml", "w") as f:
        yaml.safe_dump(kcfg, f, sort_keys=False)


def mark_control_plane(client, node_name, seconds=240):
    deadline = time.time() + seconds
    while True:
        try:
            client.get(f"/api/v1/nodes/{node_name}")  # registered by the kubelet yet?
            break
        except (c.ApiError, OSError) as e:
            if time.time() > deadline:
                raise Failure(f"error execution phase mark-control-plane: timed out waiting for the kubelet to register node {node_name}: {e}")
            time.sleep(1)
    # a patch, as kubeadm's PatchNode: no lost update against the kubelet's own writes of the Node
    client.request("PATCH", f"/api/v1/nodes/{node_name}",
                   {"metadata": {"labels": {"node-role.kubernetes.io/control-plane": "", "node.kubernetes.io/exclude-from-external-load-balancers": ""}},
                    "spec": {"taints": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]}},
                   content_type="application/merge-patch+json")
    say(f"[mark-control-plane] Marking the node {node_name} as control-plane by adding the labels and taints")


# ------------------------------------------------------------------------------------------ tokens and certificate upload
def create_token(client, ttl_seconds=86400, token=None, description=None):
    token = token or f"{secrets.token_hex(3)}.{secrets.token_hex(8)}"
    tid, tsecret = token.split(".")
    data = {"token-id": tid, "token-secret": tsecret, "usage-bootstrap-authentication": "true", "usage-bootstrap-signing": "true",
            "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token"}
    if description:
        data["description"] = description
    if ttl_seconds:
        data["expiration"] = c.now_rfc3339(ttl_seconds)
    client.request("POST", "/api/v1/namespaces/kube-system/secrets", {
        "apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
        "metadata": {"name": f"bootstrap-token-{tid}", "namespace": "kube-system"}, "data": {k: c.b64(v) for k, v in data.items()}})
    return token


def _seal(key_hex, data):
    key, iv = bytes.fromhex(key_hex), os.urandom(16)
    ct = subprocess.run(["openssl", "enc", "-aes-256-ctr", "-K", key.hex(), "-iv", iv.hex()], input=data, capture_output=True, check=True).stdout
    return iv + ct + hmac.new(key, iv + ct, hashlib.sha256).digest()


def _open(key_hex, blob):
    key, iv, ct, mac = bytes.fromhex(key_hex), blob[:16], blob[16:-32], blob[-32:]
    if not hmac.compare_digest(mac, hmac.new(key, iv + ct, hashlib.sha256).digest()):
        raise Failure("error execution phase control-plane-prepare/download-certs: error downloading certs: error decoding secret data with provided key: cipher: message authentication failed")
    return subprocess.run(["openssl", "enc", "-d", "-aes-256-ctr", "-K", key.hex(), "-iv", iv.hex()], input=ct, capture_output=True, check=True).stdout


def upload_certs(client, key_hex=None):
    key_hex = key_hex or secrets.token_hex(32)
    data = {}
    for name in UPLOADED:
        with open(f"{PKI}/{name}", "rb") as f:
            data[name] = c.b64(_seal(key_hex, f.read()))
    secret = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
              "metadata": {"name": "kubeadm-certs", "namespace": "kube-system", "annotations": {"kubeadm.standin/expires": c.now_rfc3339(CERTS_TTL_SECONDS)}},
              "data": data}
    try:
        client.request("POST", "/api/v1/namespaces/kube-system/secrets", secret)
    except c.ApiError as e:
        if e.status != 409:
            raise
        client.request("PUT", "/api/v1/namespaces/kube-system/secrets/kubeadm-certs", secret)
    say('[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace\n[upload-certs] Using certificate key:')
    say(key_hex)
    return key_hex


def admin_client():
    if not os.path.exists(f"{K8S}/admin.conf"):
        raise Failure(f"failed to load admin kubeconfig: open {K8S}/admin.conf: no such file or directory")
    return c.Client(f"{K8S}/admin.conf")


def join_command(client, token):
    cm = client.get("/api/v1/namespaces/kube-public/configmaps/cluster-info")
    cfg = yaml.safe_load(cm["data"]["kubeconfig"])
    server = cfg["clusters"][0]["cluster"]["server"].removeprefix("https://")
    ca = c.unb64(cfg["clusters"][0]["cluster"]["certificate-authority-data"])
    return f"kubeadm join {server} --token {token} \\\n\t--discovery-token-ca-cert-hash {c.ca_public_key_hash(ca)}"


# ------------------------------------------------------------------------------------------ commands
def cmd_init(a):
    docs = kc.load(a.config, ["InitConfiguration", "ClusterConfiguration"])
    init, cluster = docs.get("InitConfiguration", {}), docs.get("ClusterConfiguration", {})
    version = kc.resolve_version(cluster.get("kubernetesVersion", ""), c.VERSION)
    if not (cluster.get("etcd") or {}).get("external"):
        raise Failure("lab stand-in: only etcd.external is imitated (a stacked etcd would need the etcd image)")
    advertise = (init.get("localAPIEndpoint") or {}).get("advertiseAddress") or socket.gethostbyname(socket.gethostname())
    node_name = (init.get("nodeRegistration") or {}).get("name") or socket.gethostname()
    cluster_name = cluster.get("clusterName", "kubernetes")
    ignored = set((init.get("nodeRegistration") or {}).get("ignorePreflightErrors") or []) | set(a.ignore_preflight_errors)
    say(f"[init] Using Kubernetes version: {version}\n[preflight] Running pre-flight checks")
    preflight(ignored, control_plane=True, joining=False, external_etcd=cluster["etcd"]["external"])
    control_plane_certs(cluster, advertise, node_name, new_ca=True)
    endpoint = f"https://{cluster.get('controlPlaneEndpoint') or advertise + ':6443'}"
    days = validity_days(cluster)
    write_kubeconfig("admin", endpoint, "kubernetes-admin", ["kubeadm:cluster-admins"], cluster_name, days)
    write_kubeconfig("super-admin", endpoint, "kubernetes-super-admin", ["system:masters"], cluster_name, days)
    # ControlPlaneKubeletLocalMode (GA and always on since kubeadm 1.35): a control-plane kubelet talks to its own API server.
    write_kubeconfig("kubelet", f"https://{advertise}:6443", f"system:node:{node_name}", ["system:nodes"], cluster_name)
    write_kubeconfig("controller-manager", f"https://{advertise}:6443", "system:kube-controller-manager", [], cluster_name, days)
    write_kubeconfig("scheduler", f"https://{advertise}:6443", "system:kube-scheduler", [], cluster_name, days)
    kubelet_start(docs, node_name, advertise)
    static_pod_manifest(cluster, advertise, version)
    client = c.Client(f"{K8S}/super-admin.conf", server=f"https://{advertise}:6443")
    wait_healthy(client, "wait-control-plane")
    to_store = {k: v for k, v in cluster.items()}
    to_store["kubernetesVersion"] = version
    for name, body in (("kubeadm-config", {"ClusterConfiguration": yaml.safe_dump(to_store, sort_keys=False)}),
                       ("kubelet-config", {"kubelet": yaml.safe_dump(docs.get("KubeletConfiguration") or {}, sort_keys=False)})):
        client.create_or_update("/api/v1/namespaces/kube-system/configmaps",
                                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "kube-system"}, "data": body})
    say('[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace')
    key = upload_certs(client) if a.upload_certs else None
    mark_control_plane(client, node_name)
    # InitConfiguration.bootstrapTokens (kubeadm's default: one 24 h token when none are listed).
    tokens = [create_token(client, c.parse_duration(str(bt.get("ttl", "24h"))), bt.get("token"), bt.get("description"))
              for bt in (init.get("bootstrapTokens") or [{}])]
    token = tokens[0]
    with open(f"{PKI}/ca.crt") as f:
        ca = f.read()
    client.create_or_update("/api/v1/namespaces/kube-public/configmaps", {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cluster-info", "namespace": "kube-public"},
        "data": {"kubeconfig": c.kubeconfig(endpoint, ca, "", cluster_name="")}})
    say("[bootstrap-token] Creating the \"cluster-info\" ConfigMap in the \"kube-public\" namespace")
    join = join_command(client, token)
    say(f"\nYour Kubernetes control-plane has initialized successfully! ({c.STANDIN_NOTE})\n\n"
        "To start using your cluster, you need to run the following as a regular user:\n\n  mkdir -p $HOME/.kube\n"
        "  sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config\n  sudo chown $(id -u):$(id -g) $HOME/.kube/config\n")
    if key:
        say(f"You can now join any number of control-plane nodes running the following command on each as root:\n\n  {join} \\\n\t--control-plane --certificate-key {key}\n\n"
            "Please note that the certificate-key gives access to cluster sensitive data, keep it secret!\n"
            "As a safeguard, uploaded-certs will be deleted in two hours; If necessary, you can use\n"
            '"kubeadm init phase upload-certs --upload-certs" to reload certs afterward.\n')
    say(f"Then you can join any number of worker nodes by running the following on each as root:\n\n{join}")


def discover(bt):
    """Token discovery: cluster-info fetched without trust, CA pinned by hash, kubeconfig signed with the token."""
    endpoint = bt["apiServerEndpoint"]
    tid, tsecret = bt["token"].split(".")
    say(f'[discovery] Trying to connect to API Server "{endpoint}"')
    anon = c.Client(server=f"https://{endpoint}", insecure=True)
    try:
        cm = anon.get("/api/v1/namespaces/kube-public/configmaps/cluster-info")
    except (c.ApiError, OSError) as e:
        raise Failure(f'error execution phase preflight: couldn\'t validate the identity of the API Server: failed to request the cluster-info ConfigMap: {e}')
    kubeconfig = cm["data"]["kubeconfig"]
    sig = cm["data"].get(f"jws-kubeconfig-{tid}")
    if not sig:
        raise Failure(f'error execution phase preflight: couldn\'t validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID "{tid}"')
    if not hmac.compare_digest(sig, c.jws_detached_hs256(kubeconfig, tid, tsecret)):
        raise Failure("error execution phase preflight: couldn't validate the identity of the API Server: failed to verify JWS signature of received cluster info object, can't trust this API Server")
    cfg = yaml.safe_load(kubeconfig)
    ca = c.unb64(cfg["clusters"][0]["cluster"]["certificate-authority-data"])
    pins = bt.get("caCertHashes") or []
    actual = c.ca_public_key_hash(ca)
    if pins and actual not in pins:
        raise Failure(f'error execution phase preflight: couldn\'t validate the identity of the API Server: cluster CA found in cluster-info ConfigMap is invalid: '
                      f'none of the public keys "{actual}" are pinned')
    say(f'[discovery] Cluster info signature and contents are valid and TLS certificate validates against pinned roots, will use API Server "{endpoint}"')
    return cfg["clusters"][0]["cluster"]["server"], ca


def cmd_join(a):
    docs = kc.load(a.config, ["JoinConfiguration"])
    join = docs["JoinConfiguration"]
    reg = join.get("nodeRegistration") or {}
    node_name = reg.get("name") or socket.gethostname()
    cp = join.get("controlPlane")
    ignored = set(reg.get("ignorePreflightErrors") or []) | set(a.ignore_preflight_errors)
    say("[preflight] Running pre-flight checks")
    preflight(ignored, control_plane=cp is not None, joining=True)
    bt = join["discovery"]["bootstrapToken"]
    server, ca = discover(bt)
    client = c.Client(server=server, ca_pem=ca, token=bt["token"])
    try:
        cluster = yaml.safe_load(client.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config")["data"]["ClusterConfiguration"])
    except c.ApiError as e:
        raise Failure(f"error execution phase preflight: unable to fetch the kubeadm-config ConfigMap: {e}")
    try:
        existing = client.get(f"/api/v1/nodes/{node_name}")
        if any(x["type"] == "Ready" and x["status"] == "True" for x in existing.get("status", {}).get("conditions", [])):
            raise Failure(f'error execution phase kubelet-start: a Node with name "{node_name}" and status "Ready" already exists in the cluster. '
                          "You must delete the existing Node or change the name of this new joining Node")
    except c.ApiError:
        pass
    cluster_name = cluster.get("clusterName", "kubernetes")
    if cp is not None:
        if not cp.get("certificateKey"):
            raise Failure("error execution phase control-plane-prepare/download-certs: certificateKey is required to download the certificates (--certificate-key)")
        advertise = (cp.get("localAPIEndpoint") or {}).get("advertiseAddress") or socket.gethostbyname(socket.gethostname())
        say("[download-certs] Downloading the certificates in Secret \"kubeadm-certs\" in the \"kube-system\" Namespace")
        try:
            secret = client.get("/api/v1/namespaces/kube-system/secrets/kubeadm-certs")
        except c.ApiError as e:
            raise Failure(f"error execution phase control-plane-prepare/download-certs: error downloading certs: error downloading the secret: {e}")
        if c.parse_rfc3339(secret["metadata"]["annotations"]["kubeadm.standin/expires"]) < time.time():
            raise Failure('error execution phase control-plane-prepare/download-certs: error downloading certs: error downloading the secret: secrets "kubeadm-certs" not found '
                          '(expired after two hours; run "kubeadm init phase upload-certs --upload-certs" on a control-plane node)')
        files = {name: _open(cp["certificateKey"], c.unb64_bytes(v)) for name, v in secret["data"].items()}
        os.makedirs(PKI, exist_ok=True)
        for name, data in files.items():
            path = f"{PKI}/{name}"
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if name.endswith(".key") else 0o644), "wb") as f:
                f.write(data)
        control_plane_certs(cluster, advertise, node_name, new_ca=False)
        endpoint = f"https://{cluster.get('controlPlaneEndpoint') or advertise + ':6443'}"
        write_kubeconfig("admin", endpoint, "kubernetes-admin", ["kubeadm:cluster-admins"], cluster_name)
        write_kubeconfig("kubelet", f"https://{advertise}:6443", f"system:node:{node_name}", ["system:nodes"], cluster_name)
        write_kubeconfig("controller-manager", f"https://{advertise}:6443", "system:kube-controller-manager", [], cluster_name)
        write_kubeconfig("scheduler", f"https://{advertise}:6443", "system:kube-scheduler", [], cluster_name)
        static_pod_manifest(cluster, advertise, kc.resolve_version(cluster.get("kubernetesVersion", ""), c.VERSION))
        local = c.Client(f"{K8S}/admin.conf", server=f"https://{advertise}:6443")
        wait_healthy(local, "control-plane-join")
        kubelet_start(docs, node_name, advertise)
        mark_control_plane(local, node_name)
        say(f"\nThis node has joined the cluster and a new control plane instance was created ({c.STANDIN_NOTE}).")
        return
    os.makedirs(PKI, exist_ok=True)
    with open(f"{PKI}/ca.crt", "w") as f:
        f.write(ca)
    c.write_private(f"{K8S}/bootstrap-kubelet.conf", c.kubeconfig(server, ca, "tls-bootstrap-token-user", cluster_name, token=bt["token"]))
    kubelet_start(docs, node_name, None)
    say("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap")
    deadline = time.time() + 240
    while not os.path.exists(f"{K8S}/kubelet.conf"):
        if time.time() > deadline:
            raise Failure("error execution phase kubelet-start: timed out waiting for the condition (the kubelet did not write /etc/kubernetes/kubelet.conf; see journalctl -u kubelet)")
        time.sleep(1)
    os.remove(f"{K8S}/bootstrap-kubelet.conf")  # kubeadm deletes the bootstrap credential after TLS bootstrap (kubernetes#80676)
    say(f"\nThis node has joined the cluster ({c.STANDIN_NOTE}):\n* Certificate signing request was sent to apiserver and a response was received.\n"
        "* The Kubelet was informed of the new secure connection details.\n\nRun 'kubectl get nodes' on the control-plane to see this node join the cluster.")


def cmd_token(a):
    client = c.Client(a.kubeconfig)
    if a.action == "create":
        token = create_token(client, c.parse_duration(a.ttl), a.token)
        say(join_command(client, token).replace(" \\\n\t", " ") if a.print_join_command else token)
    elif a.action == "list":
        say("TOKEN                     TTL         EXPIRES                USAGES                   DESCRIPTION   EXTRA GROUPS")
        for s in client.get("/api/v1/namespaces/kube-system/secrets")["items"]:
            if s.get("type") == "bootstrap.kubernetes.io/token":
                d = c.secret_data(s)
                say(f"{d['token-id']}.{'*' * 16}   {'':10}  {d.get('expiration', '<forever>'):22} authentication,signing   {d.get('description', '<none>')}   {d.get('auth-extra-groups', '')}")
    elif a.action == "delete":
        for t in a.tokens:
            tid = t.split(".")[0]
            try:
                client.request("DELETE", f"/api/v1/namespaces/kube-system/secrets/bootstrap-token-{tid}")
            except c.ApiError as e:
                raise Failure(f'delete bootstrap token "{tid}": {e}')
            say(f'bootstrap token "{tid}" deleted')


def cert_sans(path):
    """The DNS names and IPs a certificate is valid for (`openssl x509 -ext subjectAltName`)."""
    text = c.run(["openssl", "x509", "-in", path, "-noout", "-ext", "subjectAltName"])
    return re.findall(r"(?:DNS|IP Address):([^,\s]+)", text)


def cmd_init_phase(a):
    """`kubeadm init phase certs apiserver | control-plane apiserver | upload-config kubeadm --config F`: the
    single phases a running control plane is reconfigured with (kubeadm's "Reconfiguring a kubeadm cluster"):
    an existing certificate is kept, and refused when it lacks a name, as kubeadm's validateCertificateWithConfig does."""
    docs = kc.load(a.config, ["InitConfiguration", "ClusterConfiguration"])
    init, cluster = docs.get("InitConfiguration", {}), docs.get("ClusterConfiguration", {})
    advertise = (init.get("localAPIEndpoint") or {}).get("advertiseAddress") or socket.gethostbyname(socket.gethostname())
    node_name = (init.get("nodeRegistration") or {}).get("name") or socket.gethostname()
    phase = " ".join(a.phase)
    if phase == "certs apiserver":
        sans = api_server_sans(cluster, advertise, node_name)
        crt = f"{PKI}/apiserver.crt"
        if os.path.exists(crt):
            have = cert_sans(crt)
            missing = [x for x in sans if x not in have]
            if missing:
                raise Failure(f'error execution phase certs/apiserver: failure loading apiserver certificate: certificate apiserver is invalid: '
                              f'x509: certificate is valid for {", ".join(have)}, not {missing[0]}')
            say('[certs] Using the existing "apiserver" certificate and key')
            return
        c.issue_cert(PKI, "apiserver", "kube-apiserver", usage="serverAuth", sans=sans)
        say(f'[certs] Generating "apiserver" certificate and key\n[certs] apiserver serving cert is signed for DNS names and IPs [{" ".join(sans)}]')
    elif phase.startswith("control-plane") and phase.split()[1:] in ([], ["all"], ["apiserver"], ["controller-manager"], ["scheduler"]):
        which = phase.split()[1] if len(phase.split()) > 1 and phase.split()[1] != "all" else None
        static_pod_manifest(cluster, advertise, kc.resolve_version(cluster.get("kubernetesVersion", ""), c.VERSION),
                            [f"kube-{which}" for which in [which]] if which else COMPONENTS)
    elif phase == "upload-config kubeadm":
        to_store = dict(cluster)
        to_store["kubernetesVersion"] = kc.resolve_version(cluster.get("kubernetesVersion", ""), c.VERSION)
        admin_client().create_or_update("/api/v1/namespaces/kube-system/configmaps", {
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kubeadm-config", "namespace": "kube-system"},
            "data": {"ClusterConfiguration": yaml.safe_dump(to_store, sort_keys=False)}})
        say('[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace')
    else:
        raise Failure(f'lab stand-in: "kubeadm init phase {phase}" is not imitated (only certs apiserver, control-plane [all|apiserver|controller-manager|scheduler], upload-config kubeadm)')


# `kubeadm certs renew all` with external etcd renews these (kubeadm's GetCertsWithoutEtcd plus the control
# plane's kubeconfigs; never the CAs, never kubelet.conf), in kubeadm's order, with its long names.
RENEWABLE = [
    ("admin.conf", "certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself"),
    ("apiserver", "certificate for serving the Kubernetes API"),
    ("apiserver-kubelet-client", "certificate for the API server to connect to kubelet"),
    ("controller-manager.conf", "certificate embedded in the kubeconfig file for the controller manager to use"),
    ("front-proxy-client", "certificate for the front proxy client"),
    ("scheduler.conf", "certificate embedded in the kubeconfig file for the scheduler manager to use"),
    ("super-admin.conf", "certificate embedded in the kubeconfig file for the super-admin"),
]


def validity_days(cluster):
    """ClusterConfiguration.certificateValidityPeriod (v1beta4, e.g. "8760h"), in whole days (at least 1)."""
    period = str(cluster.get("certificateValidityPeriod") or "8760h")
    m = re.fullmatch(r"(\d+)h(?:0m0s)?", period)
    if not m:
        raise Failure(f'certificateValidityPeriod: "{period}" is not a duration in hours (e.g. 8760h)')
    return max(1, int(m.group(1)) // 24)


def subject_of(cert_pem):
    """CN and O values of a certificate (kubeadm copies them, and the SANs and usages, from the old one)."""
    text = c.run(["openssl", "x509", "-noout", "-subject", "-nameopt", "RFC2253"], input=cert_pem)
    parts = [p.split("=", 1) for p in re.split(r"(?<!\\),", text.strip().removeprefix("subject=")) if "=" in p]
    return next((v for k, v in parts if k == "CN"), ""), [v for k, v in parts if k == "O"]


def renewed_cert(cert_pem, key_path, ca, sans=(), usage="clientAuth", days=365):
    """A new key at key_path and a certificate for it with the old one's subject, signed by pki/<ca>."""
    cn, orgs = subject_of(cert_pem)
    c.gen_rsa_key(key_path)
    return c.sign_csr(c.make_csr(key_path, cn, orgs), f"{PKI}/{ca}.crt", f"{PKI}/{ca}.key", usage, sans, days)


def cmd_certs_renew(a):
    """`kubeadm certs renew all [--config F]`: each existing certificate issued again with a new key and the
    old one's subject and names; a missing one is reported as MISSING, as kubeadm does."""
    cluster = {}
    if a.config:
        cluster = kc.load(a.config, ["InitConfiguration", "ClusterConfiguration"]).get("ClusterConfiguration", {})
    if a.what != "all":
        raise Failure(f'lab stand-in: only "kubeadm certs renew all" is imitated, not "{a.what}"')
    days = validity_days(cluster)
    for name, long_name in RENEWABLE:
        if renew(name, days):
            say(f"{long_name} renewed")
        else:
            say(f"MISSING! {long_name}")
    say("\nDone renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, "
        "so that they can use the new certificates.")


def renew(name, days):
    """One certificate (pki/<name>.crt) or kubeconfig's client certificate (<name>.conf) issued again with a new
    key and the old one's subject and names, as kubeadm's renewal does; False when it does not exist."""
    if name.endswith(".conf"):
        path = f"{K8S}/{name}"
        if not os.path.exists(path):
            return False
        with open(path) as f:
            conf = yaml.safe_load(f)
        user = conf["users"][0]["user"]
        old = base64.b64decode(user["client-certificate-data"]).decode()
        with tempfile.TemporaryDirectory() as d:
            pem = renewed_cert(old, f"{d}/key", "ca", days=days)
            with open(f"{d}/key") as f:
                key = f.read()
        user["client-certificate-data"] = c.b64(pem)
        user["client-key-data"] = c.b64(key)
        c.write_private(path, yaml.safe_dump(conf, sort_keys=False))
    else:
        crt = f"{PKI}/{name}.crt"
        if not os.path.exists(crt):
            return False
        with open(crt) as f:
            old = f.read()
        serving = name == "apiserver"
        pem = renewed_cert(old, f"{PKI}/{name}.key", "front-proxy-ca" if name == "front-proxy-client" else "ca",
                           sans=cert_sans(crt) if serving else (), usage="serverAuth" if serving else "clientAuth", days=days)
        with open(crt, "w") as f:
            f.write(pem)
    return True


def cmd_upload_certs(a):
    if not a.upload_certs:
        say("[upload-certs] Skipping phase. Please see --upload-certs")
        return
    if a.config:
        kc.load(a.config, ["InitConfiguration", "ClusterConfiguration"])
    upload_certs(admin_client(), a.certificate_key)


def klog_warning(where, text):
    """A klog warning line on stderr, as kubeadm writes them (W1221 21:26:58.969638   12345 file.go:NN] ...)."""
    now = time.time()
    print(f"W{time.strftime('%m%d %H:%M:%S', time.localtime(now))}.{int(now % 1 * 1e6):06d} {os.getpid():>7} {where}] {text}", file=sys.stderr, flush=True)


def clean_dir(path):
    """kubeadm's CleanDir: removes what is in the directory, not the directory; a missing one is fine."""
    if not os.path.isdir(path):
        return
    for name in os.listdir(path):
        full = os.path.join(path, name)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full)
        else:
            os.remove(full)


def go_list(items):
    return "[" + " ".join(items) + "]"


def cmd_reset(a):
    """kubeadm reset: phases preflight, remove-etcd-member, cleanup-node (cmd/kubeadm/app/cmd/reset.go and
    phases/reset/*.go), for a node of a cluster with external etcd."""
    skip = {x for v in a.skip_phases for x in v.split(",") if x}
    cert_dir = a.cert_dir
    cluster = None
    if os.path.exists(a.kubeconfig):  # newResetData: the InitConfiguration from the cluster, when a client can be made
        say('[reset] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...')
        say("[reset] Use 'kubeadm init phase upload-config --config your-config.yaml' to re-upload it.")
        client = None
        try:
            client = c.Client(a.kubeconfig, timeout=5)
            cm = client.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config")
            cluster = yaml.safe_load(cm["data"]["ClusterConfiguration"]) or {}
        except (c.ApiError, OSError, KeyError, ValueError, yaml.YAMLError) as e:
            url = f"{client.server if client else ''}/api/v1/namespaces/kube-system/configmaps/kubeadm-config?timeout=10s"
            why = f"dial tcp {client.host}:{client.port}: connect: connection refused" if isinstance(e, ConnectionRefusedError) and client else str(e)
            klog_warning("reset.go:124", f'[reset] Unable to fetch the kubeadm-config ConfigMap from cluster: failed to get config map: Get "{url}": {why}')
        if cluster and cluster.get("certificatesDir") and not a.cert_dir_set:
            cert_dir = cluster["certificatesDir"]

    if "preflight" not in skip:
        if not a.force:
            klog_warning("preflight.go:56", "[reset] WARNING: Changes made to this host by 'kubeadm init' or 'kubeadm join' will be reverted.")
            print("[reset] Are you sure you want to proceed? [y/N]: ", end="", flush=True)
            if sys.stdin.readline().strip().lower() != "y":
                raise Failure("error execution phase preflight: aborted reset operation")
        say("[preflight] Running pre-flight checks")
        if os.geteuid() != 0 and "IsPrivilegedUser" not in a.ignore_preflight_errors and "all" not in a.ignore_preflight_errors:
            raise Failure("error execution phase preflight: [preflight] Some fatal errors occurred:\n\t[ERROR IsPrivilegedUser]: user is not running as root\n"
                          "[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`")

    if "remove-etcd-member" not in skip:
        # Only a stacked etcd has /etc/kubernetes/manifests/etcd.yaml; with etcd.external kubeadm falls back to
        # the default local data directory, /var/lib/etcd.
        klog_warning("removeetcdmember.go:106", "[reset] No kubeadm config, using etcd pod spec to get data directory")
        if cluster is not None:
            if a.dry_run:
                say("[reset] Would remove the etcd member on this node from the etcd cluster")
                say(f"[reset] Would delete contents of the etcd data directory: {ETCD_DATA_DIR}")
            else:
                klog_warning("removeetcdmember.go:68", "[reset] Failed to remove etcd member: could not retrieve the list of etcd endpoints: "
                             "context deadline exceeded, please manually remove this etcd member using etcdctl")
        if not a.dry_run and os.path.isdir(ETCD_DATA_DIR) and os.listdir(ETCD_DATA_DIR):
            # Real kubeadm (v1.32 at least, kubernetes/kubeadm#3225) now runs CleanDir on it and prints
            # "[reset] Deleted contents of the etcd data directory: /var/lib/etcd". The stand-in leaves the
            # external etcd alone and says so.
            klog_warning("kubeadm-standin", f"[reset] lab stand-in: NOT deleting the contents of {ETCD_DATA_DIR}, which real kubeadm does at this point "
                         f"(kubernetes/kubeadm#3225) and which would erase an external etcd member kept under it; "
                         "real kubeadm leaves it with --skip-phases=remove-etcd-member")

    if "cleanup-node" not in skip:
        dirs = [MANIFESTS]
        if a.dry_run:
            say("[reset] Would stop the kubelet service")
            say(f'[reset] Would unmount mounted directories in "{KUBELET_DIR}"')
            say("[reset] Would remove Kubernetes-managed containers")
            dirs.append(KUBELET_DIR)
        else:
            say("[reset] Stopping the kubelet service")
            r = sh("systemctl", "stop", "kubelet")
            if r.returncode != 0:
                klog_warning("cleanupnode.go:73", f"[reset] The kubelet service could not be stopped by kubeadm: [{(r.stderr or '').strip() or f'exit status {r.returncode}'}]")
                klog_warning("cleanupnode.go:74", "[reset] Please ensure kubelet is stopped manually")
            say(f'[reset] Unmounting mounted directories in "{KUBELET_DIR}"')
            if os.path.isdir(KUBELET_DIR):
                with open("/proc/mounts") as f:
                    mounts = [line.split()[1] for line in f if line.split()[1].startswith(KUBELET_DIR + "/")]
                for mount in sorted(mounts, reverse=True):
                    sh("umount", mount)
                dirs.append(os.path.realpath(KUBELET_DIR))
            else:
                klog_warning("cleanupnode.go:137", f'[reset] Failed to evaluate the "{KUBELET_DIR}" directory. Skipping its unmount and cleanup: '
                             f"lstat {KUBELET_DIR}: no such file or directory")
            # Kubernetes-managed containers removed through the CRI: the static pods' containers, here the
            # API server stand-in's unit (its manifest goes below, so the kubelet would not start it again).
            sh("systemctl", "stop", APISERVER_UNIT)
        if cert_dir != PKI:
            klog_warning("cleanupnode.go:97", f'[reset] WARNING: Cleaning a non-default certificates directory: "{cert_dir}"')
        dirs.append(cert_dir)
        if a.cleanup_tmp_dir:
            dirs.append(f"{K8S}/tmp")
        files = [f"{K8S}/{n}.conf" for n in ("admin", "super-admin", "kubelet", "bootstrap-kubelet", "controller-manager", "scheduler")]
        if a.dry_run:
            say(f"[reset] Would delete contents of directories: {go_list(dirs)}")
            say(f"[reset] Would delete files: {go_list(files)}")
        else:
            say(f"[reset] Deleting contents of directories: {go_list(dirs)}")
            for d in dirs:
                try:
                    clean_dir(d)
                except OSError as e:
                    klog_warning("cleanupnode.go:160", f'[reset] Failed to delete contents of "{d}" directory: {e}')
            say(f"[reset] Deleting files: {go_list(files)}")
            for path in files:
                if os.path.isdir(path):
                    shutil.rmtree(path)
                elif os.path.lexists(path):
                    os.remove(path)
    print("\nThe reset process does not perform cleanup of CNI plugin configuration,\nnetwork filtering rules and kubeconfig files.\n\n"
          "For information on how to perform this cleanup manually, please see:\n    https://k8s.io/docs/reference/setup-tools/kubeadm/kubeadm-reset/\n", flush=True)


def cmd_kubeconfig_user(a):
    """`kubeadm kubeconfig user`: a kubeconfig with a new client certificate for NAME (groups from --org),
    signed by the cluster CA, printed on stdout; the server is the config's controlPlaneEndpoint."""
    docs = kc.load(a.config, ["InitConfiguration", "ClusterConfiguration"])
    init, cluster = docs.get("InitConfiguration", {}), docs.get("ClusterConfiguration", {})
    endpoint = cluster.get("controlPlaneEndpoint") or f"{(init.get('localAPIEndpoint') or {}).get('advertiseAddress')}:6443"
    seconds = c.parse_duration(a.validity_period)
    with open(f"{PKI}/ca.crt") as f:
        ca = f.read()
    with tempfile.TemporaryDirectory() as d:
        key_path = f"{d}/user.key"
        c.gen_rsa_key(key_path)
        cert = c.sign_csr(c.make_csr(key_path, a.client_name, a.org), f"{PKI}/ca.crt", f"{PKI}/ca.key", "clientAuth",
                          days=max(1, -(-seconds // 86400)))
        with open(key_path) as f:
            key = f.read()
    sys.stdout.write(c.kubeconfig(f"https://{endpoint}", ca, a.client_name, cluster.get("clusterName", "kubernetes"), cert, key))


# ------------------------------------------------------------------------------------------ upgrade
# kubeadm upgrade plan / apply / node (cmd/kubeadm/app/cmd/upgrade/*.go, phases/upgrade/*, phases/upgrade/policy.go)
# for a static-pod control plane with external etcd: version skew policy, cluster health checks, the static
# pod manifests written again one component at a time with the target image (old ones backed up), the
# certificates of the upgraded components renewed, kubeadm-config / kubelet-config and the kubelet's config file.
UPGRADE_TIMEOUT_SECONDS = 300  # kubeadm's UpgradeManifestTimeout (5m0s)
CERTS_BY_COMPONENT = {  # renewCertsByComponent with external etcd (no apiserver-etcd-client: kubeadm did not issue it)
    "kube-apiserver": [("apiserver", "apiserver"), ("apiserver-kubelet-client", "apiserver-kubelet-client"), ("front-proxy-client", "front-proxy-client")],
    "kube-controller-manager": [("controller-manager.conf", "controller-manager.conf")],
    "kube-scheduler": [("scheduler.conf", "scheduler.conf")],
}
ETCD_FOR_MINOR = {35: "3.6.6-0", 36: "3.6.8-0", 37: "3.6.8-0"}  # kubeadm's SupportedEtcdVersion, as far as the lab needs it
CONFIG_READ_LINES = ('[upgrade] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...\n'
                     "[upgrade] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to re-upload it.")


def normalize_version(text):
    v = c.parse_version(text)
    if not v or not re.fullmatch(r"v?\d+\.\d+\.\d+", text or ""):
        raise Failure(f'[upgrade/version] FATAL: unable to parse normalized version "{text}" as a semantic version')
    return "v" + text.lstrip("v")


def upgrade_client(path):
    if not os.path.exists(path):
        raise Failure(f'couldn\'t create a Kubernetes client from file "{path}": failed to load admin kubeconfig: open {path}: no such file or directory')
    return c.Client(path, timeout=10)


def fetch_cluster_configuration(client, out=say):
    out(CONFIG_READ_LINES)
    try:
        cm = client.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config")
        return yaml.safe_load(cm["data"]["ClusterConfiguration"]) or {}
    except (c.ApiError, OSError, KeyError, yaml.YAMLError) as e:
        raise Failure(f"[upgrade/init config] FATAL: unable to fetch the kubeadm-config ConfigMap: failed to get config map: {e}")


def root_check(ignored):
    if os.geteuid() != 0 and not ({"IsPrivilegedUser", "all"} & ignored):
        raise Failure("[preflight] Some fatal errors occurred:\n\t[ERROR IsPrivilegedUser]: user is not running as root\n"
                      "[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`")


def node_ready(node):
    return any(x.get("type") == "Ready" and x.get("status") == "True" for x in (node.get("status") or {}).get("conditions") or [])


def health_checks(client, ignored, out=say):
    """kubeadm's CheckClusterHealth: the control-plane Nodes Ready and this host's static pod manifests present
    (no CreateJob check: the stand-in runs no pods)."""
    out("[upgrade] Running cluster health checks")
    errors = []
    nodes = client.get("/api/v1/nodes?labelSelector=node-role.kubernetes.io%2Fcontrol-plane")["items"]
    not_ready = [n["metadata"]["name"] for n in nodes if not node_ready(n)]
    if not nodes:
        errors.append(("ControlPlaneNodesReady", "failed to list control-plane nodes: no control-plane nodes found"))
    elif not_ready:
        errors.append(("ControlPlaneNodesReady", f"there are NotReady control-planes in the cluster: {go_list(not_ready)}"))
    missing = [f"{MANIFESTS}/{n}.yaml" for n in COMPONENTS if not os.path.exists(f"{MANIFESTS}/{n}.yaml")]
    if missing:
        errors.append(("StaticPodManifest", "The control plane seems to be Static Pod-hosted, but some of the manifests don't seem to exist on disk. "
                       "This probably means you're running 'kubeadm upgrade' on a remote machine, which is not supported for a Static Pod-hosted cluster. "
                       f"Manifest files not found: {go_list(missing)}"))
    fatal = [f"\t[ERROR {name}]: {text}" for name, text in errors if name not in ignored and "all" not in ignored]
    if fatal:
        raise Failure("[upgrade/health] FATAL: [preflight] Some fatal errors occurred:\n" + "\n".join(fatal) +
                      "\n[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`")
    return nodes


def kubelet_versions(client):
    return {n["metadata"]["name"]: (n.get("status") or {}).get("nodeInfo", {}).get("kubeletVersion", "")
            for n in client.get("/api/v1/nodes")["items"]}


def version_policies(cluster_version, target, kubeadm_version, kubelets):
    """phases/upgrade/policy.go EnforceVersionPolicies: (mandatory, skippable) error texts."""
    mandatory, skippable = [], []
    cv, nv, kv = c.parse_version(cluster_version), c.parse_version(target), c.parse_version(kubeadm_version)
    if not cv:
        return [f"Unable to fetch cluster version: couldn't parse kubernetesVersion {cluster_version!r} of the kubeadm-config ConfigMap"], []
    minimum = (1, kv[1] - 1, 0)
    if nv < minimum:
        mandatory.append(f'Specified version to upgrade to "{target}" is equal to or lower than the minimum supported version "{cluster_version}". '
                         "Please specify a higher version to upgrade to")
    if nv[1] > cv[1] + 1:
        mandatory.append(f'Specified version to upgrade to "{target}" is too high; kubeadm can upgrade only 1 minor version at a time')
    if nv[1] < cv[1] - 1:
        mandatory.append(f'Specified version to downgrade to "{target}" is too low; kubeadm can downgrade only 1 minor version at a time')
    if kv < nv:
        if nv[1] > kv[1]:
            mandatory.append(f'Specified version to upgrade to "{target}" is at least one minor release higher than the kubeadm minor release '
                             f"({nv[1]} > {kv[1]}). Such an upgrade is not supported")
        else:
            skippable.append(f'Specified version to upgrade to "{target}" is higher than the kubeadm version "{kubeadm_version}". '
                             "Upgrade kubeadm first using the tool you used to install kubeadm")
    if kv[0] > nv[0] or kv[1] > nv[1]:
        skippable.append(f"Kubeadm version {kubeadm_version} can only be used to upgrade to Kubernetes version {kv[0]}.{kv[1]}")
    too_old = sorted({v for v in kubelets.values() if c.parse_version(v) and nv[1] > c.parse_version(v)[1] + 1})
    if too_old:
        skippable.append(f"There are kubelets in this cluster that are too old that have these versions {go_list(too_old)}")
    return mandatory, skippable


def format_errs(errs):
    return "".join(f"\t- {e}\n" for e in errs)


def enforce_version_policies(cluster_version, target, kubelets, force):
    say(f'[upgrade/preflight] You have chosen to upgrade the cluster version to "{target}"')
    say(f"[upgrade/versions] Cluster version: {cluster_version}")
    say(f"[upgrade/versions] kubeadm version: {c.VERSION}")
    mandatory, skippable = version_policies(cluster_version, target, c.VERSION, kubelets)
    if mandatory:
        raise Failure("[upgrade/version] FATAL: the --version argument is invalid due to these fatal errors:\n\n" + format_errs(mandatory) +
                      "\nPlease fix the misalignments highlighted above and try upgrading again")
    if skippable:
        if not force:
            raise Failure("[upgrade/version] FATAL: the --version argument is invalid due to these errors:\n\n" + format_errs(skippable) +
                          "\nCan be bypassed if you pass the --force flag")
        say(f"[upgrade/version] Found {len(skippable)} potential version compatibility errors but skipping since the --force flag is set: \n\n" + format_errs(skippable))


def local_advertise():
    """This node's advertise address, from its API server manifest (kubeadm reads the node's localAPIEndpoint)."""
    try:
        with open(f"{MANIFESTS}/kube-apiserver.yaml") as f:
            pod = yaml.safe_load(f)
        for arg in pod["spec"]["containers"][0]["command"]:
            if arg.startswith("--advertise-address="):
                return arg.split("=", 1)[1]
    except (OSError, KeyError, IndexError, TypeError, yaml.YAMLError):
        pass
    return socket.gethostbyname(socket.gethostname())


def wait_api_server_version(client, version, seconds):
    """Until this node's API server answers /readyz and reports `version` (the kubelet restarted the static pod)."""
    deadline, last = time.time() + seconds, "no answer yet"
    while time.time() < deadline:
        try:
            got = client.get("/version").get("gitVersion")
            if got == version:
                code, body = client.request("GET", "/readyz", raw=True)
                if code == 200:
                    return
                last = body
            else:
                last = f"the API server still reports {got}"
        except (c.ApiError, OSError) as e:
            last = str(e)
        time.sleep(1)
    raise Failure(f"timed out waiting for the condition ({last})")


def upgrade_static_pods(cluster, version, renew_certs, local):
    """StaticPodControlPlane: each component's manifest written to a temporary directory, compared with the
    current one, its certificates renewed, the new one moved in (the old one into the backup directory), and
    the kubelet given time to restart it; on failure every manifest moved so far is put back."""
    advertise = local_advertise()
    pods = control_plane_pods(cluster, advertise, version)
    os.makedirs(f"{K8S}/tmp", exist_ok=True)
    temp = tempfile.mkdtemp(prefix="kubeadm-upgraded-manifests", dir=f"{K8S}/tmp")
    backup = f"{K8S}/tmp/kubeadm-backup-manifests-{time.strftime('%Y-%m-%d-%H-%M-%S')}"
    os.makedirs(backup, exist_ok=True)
    say(f'[upgrade/staticpods] Writing new Static Pod manifests to "{temp}"')
    days = validity_days(cluster)
    moved = []
    try:
        for name in COMPONENTS:
            current_path, new_path, backup_path = f"{MANIFESTS}/{name}.yaml", f"{temp}/{name}.yaml", f"{backup}/{name}.yaml"
            write_manifest(new_path, pods[name])
            say(f'[upgrade/staticpods] Preparing for "{name}" upgrade')
            with open(current_path) as f:
                current = yaml.safe_load(f)
            if current == pods[name]:
                say(f"[upgrade/staticpods] Current and new manifests of {name} are equal, skipping upgrade")
                continue
            if renew_certs:
                for cert, label in CERTS_BY_COMPONENT[name]:
                    if renew(cert, days):
                        say(f"[upgrade/staticpods] Renewing {label} certificate")
            shutil.copy2(current_path, backup_path)
            say(f'[upgrade/staticpods] Moving new manifest to "{current_path}" and backing up old manifest to "{backup_path}"')
            os.replace(new_path, current_path)
            moved.append(name)
            say("[upgrade/staticpods] Waiting for the kubelet to restart the component")
            say(f"[upgrade/staticpods] This can take up to {c.go_duration(UPGRADE_TIMEOUT_SECONDS)}")
            if name == "kube-apiserver":
                try:
                    wait_api_server_version(local, version, UPGRADE_TIMEOUT_SECONDS)
                except Failure as e:
                    raise Failure(f'static Pod hash for component {name} on Node {socket.gethostname()} did not change after {c.go_duration(UPGRADE_TIMEOUT_SECONDS)}: {e}')
            say(f"[apiclient] Found 1 Pods for label selector component={name}")
            say(f'[upgrade/staticpods] Component "{name}" upgraded successfully!')
    except (Failure, OSError, c.ApiError) as e:
        for name in moved:  # rollbackOldManifests
            shutil.copy2(f"{backup}/{name}.yaml", f"{MANIFESTS}/{name}.yaml")
        raise Failure(f"[upgrade/control-plane] FATAL: couldn't upgrade control plane. kubeadm has tried to recover everything into the earlier state. "
                      f"Errors faced: {e}")
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    say("[upgrade/control-plane] The control plane instance for this node was successfully upgraded!")


def upgrade_kubeconfigs(cluster, renew_certs):
    """phases/upgrade/.../kubeconfig: admin.conf and super-admin.conf (this node's) renewed with the rest."""
    if renew_certs:
        days = validity_days(cluster)
        for name in ("admin.conf", "super-admin.conf"):
            renew(name, days)
    say("[upgrade/kubeconfig] The kubeconfig files for this node were successfully upgraded!")


def upgrade_kubelet_config(client):
    """The kubelet-config ConfigMap written to /var/lib/kubelet/config.yaml, the old file backed up first."""
    try:
        kcfg = yaml.safe_load(client.get("/api/v1/namespaces/kube-system/configmaps/kubelet-config")["data"].get("kubelet") or "") or {}
    except (c.ApiError, OSError, KeyError, yaml.YAMLError) as e:
        raise Failure(f"error execution phase kubelet-config: failed to download kubelet configuration from ConfigMap \"kubelet-config\": {e}")
    backup = f"{K8S}/tmp/kubeadm-kubelet-config-{time.strftime('%Y-%m-%d-%H-%M-%S')}"
    klog_warning("postupgrade.go:105", f"Using temporary directory {backup} for kubelet config. To override it set the environment variable KUBEADM_UPGRADE_DRYRUN_DIR")
    os.makedirs(backup, exist_ok=True)
    if os.path.exists(f"{KUBELET_DIR}/config.yaml"):
        shutil.copy2(f"{KUBELET_DIR}/config.yaml", f"{backup}/config.yaml")
        say(f"[upgrade] Backing up kubelet config file to {backup}/config.yaml")
    write_kubelet_config(kcfg)
    say(f'[kubelet-start] Writing kubelet configuration to file "{KUBELET_DIR}/config.yaml"')
    say("[upgrade/kubelet-config] The kubelet configuration for this node was successfully upgraded!")


def upload_configs(client, cluster, version):
    stored = dict(cluster)
    stored["kubernetesVersion"] = version
    client.create_or_update("/api/v1/namespaces/kube-system/configmaps", {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kubeadm-config", "namespace": "kube-system"},
        "data": {"ClusterConfiguration": yaml.safe_dump(stored, sort_keys=False)}})
    say('[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace')
    try:
        kubelet = client.get("/api/v1/namespaces/kube-system/configmaps/kubelet-config")["data"].get("kubelet", "")
    except c.ApiError as e:
        if e.status != 404:
            raise
        kubelet = yaml.safe_dump({"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}, sort_keys=False)
    client.create_or_update("/api/v1/namespaces/kube-system/configmaps", {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kubelet-config", "namespace": "kube-system"}, "data": {"kubelet": kubelet}})
    say('[kubelet] Creating a ConfigMap "kubelet-config" in namespace kube-system with the configuration for the kubelets in the cluster')


def confirm(question):
    """cmdutil.InteractivelyConfirmAction."""
    print(f"[upgrade] {question} [y/N]: ", end="", flush=True)
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        raise Failure("won't proceed; the user didn't answer (Y|y) in order to continue")


def cmd_upgrade_apply(a):
    ignored = set(a.ignore_preflight_errors)
    if not a.version:
        raise Failure("missing one or more required arguments. Required arguments: [version]")
    target = normalize_version(a.version)
    client = upgrade_client(a.kubeconfig)
    try:
        cluster = fetch_cluster_configuration(client)
        say("[upgrade/preflight] Running preflight checks")
        root_check(ignored)
        health_checks(client, ignored)
        enforce_version_policies(cluster.get("kubernetesVersion", ""), target, kubelet_versions(client), a.force)
        if not (a.yes or a.force):
            confirm("Are you sure you want to proceed?")
    except Failure as e:
        raise Failure(f"error execution phase preflight: {e}")
    say("[upgrade/preflight] Pulling images required for setting up a Kubernetes cluster\n"
        "[upgrade/preflight] This might take a minute or two, depending on the speed of your internet connection\n"
        "[upgrade/preflight] You can also perform this action beforehand using 'kubeadm config images pull'")
    say(f'[upgrade/control-plane] Upgrading your static Pod-hosted control plane to version "{target}" (timeout: {c.go_duration(UPGRADE_TIMEOUT_SECONDS)})...')
    local = c.Client(a.kubeconfig, server=f"https://{local_advertise()}:6443", timeout=5)
    try:
        upgrade_static_pods(cluster, target, a.certificate_renewal, local)
    except Failure as e:
        raise Failure(f"error execution phase control-plane: {e}")
    upload_configs(client, cluster, target)
    upgrade_kubeconfigs(cluster, a.certificate_renewal)
    upgrade_kubelet_config(client)
    say(f'\n[upgrade] SUCCESS! A control plane node of your cluster was upgraded to "{target}".\n\n'
        "[upgrade] Now please proceed with upgrading the rest of the nodes by following the right order.")


def cmd_upgrade_node(a):
    ignored = set(a.ignore_preflight_errors)
    control_plane = os.path.exists(f"{MANIFESTS}/kube-apiserver.yaml")
    kubeconfig = a.kubeconfig
    if not control_plane and not a.kubeconfig_set:  # a worker has no admin.conf: kubeadm uses kubelet.conf
        kubeconfig = f"{K8S}/kubelet.conf"
    client = upgrade_client(kubeconfig)
    cluster = fetch_cluster_configuration(client)
    say("[upgrade/preflight] Running pre-flight checks")
    try:
        root_check(ignored)
    except Failure as e:
        raise Failure(f"error execution phase preflight: {e}")
    if not control_plane:
        say("[upgrade/preflight] Skipping prepull. Not a control plane node.")
        say("[upgrade/control-plane] Skipping phase. Not a control plane node.")
        say("[upgrade/kubeconfig] Skipping phase. Not a control plane node.")
    else:
        version = cluster.get("kubernetesVersion", "")
        nv, kv = c.parse_version(version), c.parse_version(c.VERSION)
        if not nv:
            raise Failure(f'error execution phase preflight: unable to parse the kubernetesVersion "{version}" of the kubeadm-config ConfigMap')
        if nv > kv and not a.force:
            raise Failure(f'error execution phase preflight: [upgrade/version] FATAL: Specified version to upgrade to "{version}" is higher than the kubeadm version '
                          f'"{c.VERSION}". Upgrade kubeadm first using the tool you used to install kubeadm')
        if nv[1] < kv[1] - 1:
            raise Failure(f"error execution phase preflight: this version of kubeadm only supports deploying clusters with the control plane version >= 1.{kv[1] - 1}.0. "
                          f"Current version: {version}")
        say("[upgrade/preflight] Pulling images required for setting up a Kubernetes cluster\n"
            "[upgrade/preflight] This might take a minute or two, depending on the speed of your internet connection\n"
            "[upgrade/preflight] You can also perform this action beforehand using 'kubeadm config images pull'")
        say(f'[upgrade/control-plane] Upgrading your Static Pod-hosted control plane instance to version "{version}"...')
        local = c.Client(kubeconfig, server=f"https://{local_advertise()}:6443", timeout=5)
        try:
            upgrade_static_pods(cluster, version, a.certificate_renewal, local)
        except Failure as e:
            raise Failure(f"error execution phase control-plane: {e}")
        upgrade_kubeconfigs(cluster, a.certificate_renewal)
    upgrade_kubelet_config(client)
    if not control_plane:
        say("[upgrade/addon] Skipping the addon/coredns phase. Not a control plane node.")
        say("[upgrade/addon] Skipping the addon/kube-proxy phase. Not a control plane node.")
    say("[upgrade] The configuration for this node was successfully upgraded!")
    say("[upgrade] Now you should go ahead and upgrade the kubelet package using your package manager.")


def etcd_version(cluster):
    """The version of the first external etcd endpoint that answers /version (etcd's own HTTP endpoint)."""
    import ssl
    import urllib.request
    external = (cluster.get("etcd") or {}).get("external") or {}
    ctx = None
    if external.get("caFile") or external.get("certFile"):  # etcd's client certificate authentication, as the API server's
        try:
            ctx = ssl.create_default_context(cafile=external.get("caFile") or None)
            if external.get("certFile"):
                ctx.load_cert_chain(external["certFile"], external.get("keyFile"))
        except (OSError, ssl.SSLError):
            return ""
    for endpoint in external.get("endpoints") or []:
        try:
            with urllib.request.urlopen(f"{endpoint.rstrip('/')}/version", timeout=3, context=ctx if endpoint.startswith("https") else None) as r:
                return json.loads(r.read()).get("etcdserver", "")
        except (OSError, ValueError):
            continue
    return ""


def cmd_upgrade_plan(a):
    """kubeadm upgrade plan [version] [-o json]: read-only; the target is the version asked for or, as kubeadm's
    stable-1.X lookup would find, this kubeadm's own version."""
    structured = a.output in ("json", "yaml")
    out = (lambda text: print(text, file=sys.stderr, flush=True)) if structured else say
    ignored = set(a.ignore_preflight_errors)
    client = upgrade_client(a.kubeconfig)
    out("[preflight] Running pre-flight checks.")
    try:
        root_check(ignored)
    except Failure as e:
        raise Failure(f"error execution phase preflight: {e}")
    cluster = fetch_cluster_configuration(client, out)
    cluster_version = cluster.get("kubernetesVersion", "")
    health_checks(client, ignored, out)
    out("[upgrade] Fetching available versions to upgrade to")
    out(f"[upgrade/versions] Cluster version: {cluster_version}")
    out(f"[upgrade/versions] kubeadm version: {c.VERSION}")
    target = normalize_version(a.version) if a.version else c.VERSION
    if not a.version:
        out(f"[upgrade/versions] Target version: {target} (lab stand-in: this kubeadm's own version; no internet lookup)")
    mandatory, skippable = version_policies(cluster_version, target, c.VERSION, {})
    if mandatory:
        raise Failure("[upgrade/versions] FATAL: " + "; ".join(mandatory))
    nodes = client.get("/api/v1/nodes")["items"]
    kubelets = [(n["metadata"]["name"], (n.get("status") or {}).get("nodeInfo", {}).get("kubeletVersion", "")) for n in nodes]
    cps = sorted(n["metadata"]["name"] for n in nodes if "node-role.kubernetes.io/control-plane" in (n["metadata"].get("labels") or {}))
    mirror = {}
    for p in client.get("/api/v1/namespaces/kube-system/pods?labelSelector=component%3Dkube-apiserver")["items"]:
        mirror[(p.get("spec") or {}).get("nodeName", "")] = c.image_tag(p["spec"]["containers"][0].get("image", ""))
    components = []
    for node, current in kubelets:
        components.append(("kubelet", node, current, target))
    for comp in COMPONENTS:
        for node in cps:  # the stand-in's mirror pods are the API server's: its image stands for the node's control plane
            components.append((comp, node, mirror.get(node) or cluster_version, target))
    etcd_current = etcd_version(cluster)
    etcd_target = ETCD_FOR_MINOR.get(c.parse_version(target)[1], "")
    if structured:
        plan = {"kind": "UpgradePlan", "apiVersion": "output.kubeadm.k8s.io/v1alpha3",
                "components": [{"name": n, "currentVersion": cur, "newVersion": new, "nodeName": node} for n, node, cur, new in components],
                "configVersions": [{"configGroup": "kubeproxy.config.k8s.io", "currentVersion": "v1alpha1", "preferredVersion": "v1alpha1", "manualUpgradeRequired": False},
                                   {"configGroup": "kubelet.config.k8s.io", "currentVersion": "v1beta1", "preferredVersion": "v1beta1", "manualUpgradeRequired": False}]}
        print(json.dumps(plan, indent=4) if a.output == "json" else yaml.safe_dump(plan, sort_keys=False), flush=True)
        return
    if all(cur == new for _, _, cur, new in components) and cluster_version == target:
        say("Awesome, you're up-to-date! Enjoy!")
        return

    def table(rows):
        widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
        return "\n".join("   ".join(str(x).ljust(widths[i]) for i, x in enumerate(r)).rstrip() for r in rows)

    if etcd_current and etcd_target and etcd_current != etcd_target.split("-")[0]:
        say("\nExternal components that should be upgraded manually before you upgrade the control plane with 'kubeadm upgrade apply':")
        say(table([("COMPONENT", "CURRENT", "TARGET"), ("etcd", etcd_current, etcd_target)]))
    say("\nComponents that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':")
    say(table([("COMPONENT", "NODE", "CURRENT", "TARGET")] + [(n, node, cur, new) for n, node, cur, new in components if n == "kubelet"]))
    say(f"\nUpgrade to the latest {'version in the v1.' + str(c.parse_version(cluster_version)[1]) + ' series' if c.parse_version(cluster_version) and c.parse_version(cluster_version)[1] == c.parse_version(target)[1] else 'stable version'}:\n")
    say(table([("COMPONENT", "NODE", "CURRENT", "TARGET")] + [(n, node, cur, new) for n, node, cur, new in components if n != "kubelet"]))
    say(f"\nYou can now apply the upgrade by executing the following command:\n\n\tkubeadm upgrade apply {target}\n")
    if c.parse_version(target) > c.parse_version(c.VERSION):
        say(f"Note: Before you can perform this upgrade, you have to update kubeadm to {target}.\n")
    say("_____________________________________________________________________\n\n"
        "The table below shows the current state of component configs as understood by this version of kubeadm.\n"
        'Configs that have a "yes" mark in the "MANUAL UPGRADE REQUIRED" column require manual config upgrade or\n'
        'resetting to kubeadm defaults before a successful upgrade can be performed. The version to manually\n'
        'upgrade to is denoted in the "PREFERRED VERSION" column.\n')
    say(table([("API GROUP", "CURRENT VERSION", "PREFERRED VERSION", "MANUAL UPGRADE REQUIRED"),
               ("kubeproxy.config.k8s.io", "v1alpha1", "v1alpha1", "no"), ("kubelet.config.k8s.io", "v1beta1", "v1beta1", "no")]))
    say("_____________________________________________________________________\n")


def pflag_bool(arg):
    """pflag booleans: --flag=true|false as --flag / --no-flag (argparse's BooleanOptionalAction)."""
    m = re.fullmatch(r"--([\w-]+)=(true|false|True|False|1|0)", arg)
    if m and m.group(1) in ("certificate-renewal", "etcd-upgrade", "dry-run", "allow-experimental-upgrades", "allow-release-candidate-upgrades"):
        return f"--{m.group(1)}" if m.group(2) in ("true", "True", "1") else f"--no-{m.group(1)}"
    if m and m.group(1) in ("yes", "force") and m.group(2) in ("true", "True", "1"):
        return f"--{m.group(1)}"
    return arg


def main():
    p = argparse.ArgumentParser(prog="kubeadm", description=f"kubeadm {c.VERSION} ({c.STANDIN_NOTE})")
    sub = p.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("version")
    v.add_argument("-o", "--output", default="")
    i = sub.add_parser("init")
    i.add_argument("--config", required=True)
    i.add_argument("--upload-certs", action="store_true")
    i.add_argument("--ignore-preflight-errors", type=lambda s: s.split(","), default=[])
    uc = argparse.ArgumentParser(prog="kubeadm init phase upload-certs")
    uc.add_argument("--upload-certs", action="store_true")
    uc.add_argument("--config")
    uc.add_argument("--certificate-key")
    j = sub.add_parser("join")
    j.add_argument("--config", required=True)
    j.add_argument("--ignore-preflight-errors", type=lambda s: s.split(","), default=[])
    t = sub.add_parser("token")
    t.add_argument("action", choices=["create", "list", "delete"])
    t.add_argument("tokens", nargs="*")
    t.add_argument("--ttl", default="24h")
    t.add_argument("--print-join-command", action="store_true")
    t.add_argument("--kubeconfig", default=f"{K8S}/admin.conf")
    kcfg = sub.add_parser("kubeconfig")
    kcfg_sub = kcfg.add_subparsers(dest="kubeconfig_cmd", required=True)
    ku = kcfg_sub.add_parser("user")
    ku.add_argument("--config", required=True)
    ku.add_argument("--client-name", required=True)
    ku.add_argument("--org", action="append", default=[])
    ku.add_argument("--validity-period", default="8760h")
    cr = sub.add_parser("certs")
    cr_sub = cr.add_subparsers(dest="certs_cmd", required=True)
    crr = cr_sub.add_parser("renew")
    crr.add_argument("what")
    crr.add_argument("--config")
    r = sub.add_parser("reset")
    r.add_argument("-f", "--force", action="store_true")
    r.add_argument("--cleanup-tmp-dir", action="store_true")
    r.add_argument("--dry-run", action="store_true")
    r.add_argument("--cert-dir", default=None)
    r.add_argument("--cri-socket")
    r.add_argument("--kubeconfig", default=f"{K8S}/admin.conf")
    r.add_argument("--ignore-preflight-errors", type=lambda s: s.split(","), default=[])
    r.add_argument("--skip-phases", action="append", default=[])
    boolean = argparse.BooleanOptionalAction
    up = sub.add_parser("upgrade")
    up_sub = up.add_subparsers(dest="upgrade_cmd", required=True)
    for name in ("plan", "apply", "node"):
        u = up_sub.add_parser(name)
        if name != "node":
            u.add_argument("version", nargs="?")
        u.add_argument("--kubeconfig", default=None)
        u.add_argument("--ignore-preflight-errors", type=lambda s: s.split(","), default=[])
        u.add_argument("--allow-experimental-upgrades", action=boolean, default=False)
        u.add_argument("--allow-release-candidate-upgrades", action=boolean, default=False)
        if name == "plan":
            u.add_argument("-o", "--output", default="text")
            continue
        u.add_argument("--certificate-renewal", action=boolean, default=True)
        u.add_argument("--etcd-upgrade", action=boolean, default=True)
        u.add_argument("--dry-run", action=boolean, default=False)
        u.add_argument("-f", "--force", action="store_true")
        if name == "apply":
            u.add_argument("-y", "--yes", action="store_true")
    # `kubeadm init phase upload-certs --upload-certs --config F`: argparse needs the subcommand first.
    argv = [pflag_bool(x) for x in sys.argv[1:]]
    if argv[:3] == ["init", "phase", "upload-certs"]:
        a = uc.parse_args(argv[3:])
        a.cmd = "upload-certs"
    elif argv[:2] == ["init", "phase"]:
        ph = argparse.ArgumentParser(prog="kubeadm init phase")
        ph.add_argument("phase", nargs="+")
        ph.add_argument("--config", required=True)
        a = ph.parse_args(argv[2:])
        a.cmd = "init-phase"
    else:
        a = p.parse_args(argv)
        if a.cmd == "token" and a.action == "create":
            a.token = a.tokens[0] if a.tokens else None
        if a.cmd == "reset":
            a.cert_dir_set, a.cert_dir = a.cert_dir is not None, a.cert_dir or PKI
        if a.cmd == "upgrade":
            a.kubeconfig_set, a.kubeconfig = a.kubeconfig is not None, a.kubeconfig or f"{K8S}/admin.conf"
            if getattr(a, "dry_run", False):
                raise SystemExit(print("lab stand-in: kubeadm upgrade --dry-run is not imitated", file=sys.stderr) or 1)
            if a.upgrade_cmd == "plan" and a.output not in ("text", "json", "yaml"):
                raise SystemExit(print(f'error: output format "{a.output}" not recognized', file=sys.stderr) or 1)
            a.cmd = f"upgrade-{a.upgrade_cmd}"
    try:
        if a.cmd == "version":
            v = c.parse_version(c.VERSION)
            say(c.VERSION if a.output == "short" else
                f'kubeadm version: &version.Info{{Major:"{v[0]}", Minor:"{v[1]}", GitVersion:"{c.VERSION}", GitCommit:"lab-standin", GitTreeState:"clean", '
                f'BuildDate:"1970-01-01T00:00:00Z", GoVersion:"python", Compiler:"lab-standin", Platform:"linux/amd64"}}')
        else:
            {"init": cmd_init, "init-phase": cmd_init_phase, "join": cmd_join, "token": cmd_token, "upload-certs": cmd_upload_certs, "reset": cmd_reset,
             "kubeconfig": cmd_kubeconfig_user, "certs": cmd_certs_renew, "upgrade-plan": cmd_upgrade_plan, "upgrade-apply": cmd_upgrade_apply,
             "upgrade-node": cmd_upgrade_node}[a.cmd](a)
    except (Failure, kc.ConfigError, ValueError) as e:
        print(str(e), file=sys.stderr)
        print("To see the stack trace of this error execute with --v=5 or higher", file=sys.stderr)
        sys.exit(1)
    except c.ApiError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        print("To see the stack trace of this error execute with --v=5 or higher", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
