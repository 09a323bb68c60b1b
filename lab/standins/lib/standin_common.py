# LAB STAND-IN shared code for the kubeadm/kubelet/kubectl/kube-apiserver stand-ins (not Kubernetes).
# Kubeconfig reading, an HTTPS client that authenticates the way kubectl does (client certificate or
# bearer token, server verified against the kubeconfig's CA), openssl-backed PKI and JWT helpers.
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

import yaml

DEFAULT_VERSION = "v1.37.1"  # the newest version the lab repository publishes


def package_version(program):
    """The version of the stand-in package that ships `program` (kubeadm, kubelet, kubectl): each package
    installs /usr/lib/kube-standin/version.<program> (e.g. "v1.36.5"), so a host can hold kubeadm 1.36.5
    next to kubelet 1.36.4 during an upgrade, as with the real packages. DEFAULT_VERSION when run from a
    checkout (no version file)."""
    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), f"version.{program}")) as f:
            text = f.read().strip()
    except OSError:
        return DEFAULT_VERSION
    return text if text.startswith("v") else "v" + text


def parse_version(text):
    """(major, minor, patch) of v1.36.5 / 1.36.5 (a -suffix ignored); None when it is not one."""
    m = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?", (text or "").strip())
    return tuple(int(x) for x in m.groups()) if m else None


def image_tag(image):
    """The tag of an image reference (lab-standin.invalid/kube-apiserver:v1.36.5 -> v1.36.5)."""
    name = (image or "").rsplit("/", 1)[-1]
    return name.split(":", 1)[1] if ":" in name else ""


# The program's own version: kubeadm/kubelet/kubectl read their package's version file; the API server
# stand-in replaces it with the image tag of its static pod manifest (apiserver.main).
PROGRAM = os.path.splitext(os.path.basename(sys.argv[0] if sys.argv and sys.argv[0] else ""))[0]
VERSION = package_version(PROGRAM) if PROGRAM in ("kubeadm", "kubelet", "kubectl") else DEFAULT_VERSION
STANDIN_NOTE = "lab stand-in, not Kubernetes"


def b64(data):
    return base64.b64encode(data if isinstance(data, bytes) else data.encode()).decode()


def unb64(text):
    return base64.b64decode(text).decode()


def secret_data(secret):
    """A Secret's data, decoded (bootstrap-token Secrets are read by the API server and kubeadm)."""
    return {k: unb64(v) for k, v in ((secret or {}).get("data") or {}).items()}


def parse_duration(text):
    """Go-style durations as kubeadm/kubectl flags take them: 90s, 10m, 1h30m, 500ms, or bare seconds."""
    m = re.fullmatch(r"((?:\d+(?:\.\d+)?(?:ms|[smh]))+|\d+)", text or "")
    if not m:
        raise ValueError(f'invalid duration "{text}"')
    if text.isdigit():
        return int(text)
    total = sum(float(n) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ms|[smh])", text))
    return int(total) if total == int(total) else total


def go_duration(seconds):
    """A duration as Go's time.Duration prints it: 5s, 1m30s, 2h0m0s, 500ms."""
    if seconds < 1:
        return f"{int(round(seconds * 1000))}ms" if seconds else "0s"
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    s_text = f"{s:g}s"
    if h:
        return f"{int(h)}h{int(m)}m{s_text}"
    if m:
        return f"{int(m)}m{s_text}"
    return s_text


# ---------------------------------------------------------------------------------------------- patches and selectors
# Shared by the API server stand-in (PATCH verb) and kubectl (which computes the patches it sends).

def strategic_merge(live, patch, by_name=True):
    """Strategic merge patch, the subset the stand-ins need: maps merged, null deletes a key, lists of
    objects that all carry `name` merged by name (containers, env, ports, volumes), other lists replaced;
    `$patch: replace|delete` honoured, other `$` directives ignored."""
    if isinstance(live, dict) and isinstance(patch, dict):
        directive = patch.get("$patch")
        if directive == "replace":
            return {k: v for k, v in patch.items() if not k.startswith("$")}
        if directive == "delete":
            return None
        for k, v in patch.items():
            if k.startswith("$"):
                continue
            if v is None:
                live.pop(k, None)
            else:
                merged = strategic_merge(live.get(k), v, by_name)
                if merged is None:
                    live.pop(k, None)
                else:
                    live[k] = merged
        return live
    if by_name and isinstance(live, list) and isinstance(patch, list) and all(isinstance(x, dict) and "name" in x for x in live + patch):
        out = list(live)
        for item in patch:
            i = next((i for i, x in enumerate(out) if x["name"] == item["name"]), None)
            if item.get("$patch") == "delete":
                if i is not None:
                    out.pop(i)
            elif i is None:
                out.append({k: v for k, v in item.items() if not k.startswith("$")})
            else:
                out[i] = strategic_merge(out[i], item, by_name)
        return out
    if isinstance(patch, dict):
        return strategic_merge({}, patch, by_name)
    return patch


def merge_patch(live, patch):
    """RFC 7386 JSON merge patch (application/merge-patch+json)."""
    if not isinstance(patch, dict):
        return patch
    out = dict(live) if isinstance(live, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


class PatchError(Exception):
    pass


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def json_patch(doc, ops):
    """RFC 6902 JSON patch (application/json-patch+json): add, remove, replace, move, copy, test."""
    import copy
    doc = copy.deepcopy(doc)

    def parent(path):
        parts = _pointer(path)
        if not parts:
            raise PatchError("cannot operate on the document root")
        node = doc
        for p in parts[:-1]:
            node = node[int(p)] if isinstance(node, list) else node[p]
        return node, parts[-1]

    def get(path):
        node = doc
        for p in _pointer(path):
            node = node[int(p)] if isinstance(node, list) else node[p]
        return node

    for op in ops if isinstance(ops, list) else []:
        kind, path = op.get("op"), op.get("path", "")
        try:
            if kind in ("add", "replace", "copy", "move"):
                value = op.get("value") if kind in ("add", "replace") else copy.deepcopy(get(op["from"]))
                if kind == "move":
                    p, k = parent(op["from"])
                    p.pop(int(k)) if isinstance(p, list) else p.pop(k)
                p, k = parent(path)
                if isinstance(p, list):
                    if kind == "replace":
                        p[int(k)] = value
                    else:
                        p.insert(len(p) if k == "-" else int(k), value)
                else:
                    if kind == "replace" and k not in p:
                        raise PatchError(f"replace operation does not apply: doc is missing key: {path}")
                    p[k] = value
            elif kind == "remove":
                p, k = parent(path)
                if isinstance(p, list):
                    p.pop(int(k))
                elif k in p:
                    del p[k]
                else:
                    raise PatchError(f"remove operation does not apply: doc is missing path: \"{path}\"")
            elif kind == "test":
                if get(path) != op.get("value"):
                    raise PatchError(f"testing value {path} failed: test failed")
            else:
                raise PatchError(f"Unexpected kind: {kind}")
        except (KeyError, IndexError, ValueError, TypeError) as e:
            raise PatchError(f"{kind} operation does not apply: doc is missing path: \"{path}\": {e}")
    return doc


def parse_label_selector(text):
    """A label selector string (a=b, a==b, a!=b, a, !a, a in (x,y), a notin (x)) as a list of
    (key, operator, values) requirements."""
    reqs = []
    for part in re.findall(r"(?:[^,(]|\([^)]*\))+", text or ""):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)", part)
        if m:
            reqs.append((m.group(1), "In" if m.group(2) == "in" else "NotIn", [v.strip() for v in m.group(3).split(",") if v.strip()]))
            continue
        m = re.fullmatch(r"([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)", part)
        if m:
            reqs.append((m.group(1), "NotIn" if m.group(2) == "!=" else "In", [m.group(3)]))
            continue
        m = re.fullmatch(r"(!?)([\w./-]+)", part)
        if m:
            reqs.append((m.group(2), "DoesNotExist" if m.group(1) else "Exists", []))
            continue
        raise ValueError(f"unable to parse requirement: {part!r}")
    return reqs


def selector_requirements(selector):
    """A metav1.LabelSelector (matchLabels + matchExpressions) as requirements; None for a null selector."""
    if selector is None:
        return None
    reqs = [(k, "In", [v]) for k, v in (selector.get("matchLabels") or {}).items()]
    for e in selector.get("matchExpressions") or []:
        reqs.append((e["key"], e["operator"], list(e.get("values") or [])))
    return reqs


def labels_match(reqs, labels):
    labels = labels or {}
    for key, op, values in reqs:
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def unb64_bytes(text):
    return base64.b64decode(text)


def b64url(data):
    return base64.urlsafe_b64encode(data if isinstance(data, bytes) else data.encode()).decode().rstrip("=")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def now_rfc3339(offset_seconds=0):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset_seconds))


def parse_rfc3339(text):
    return time.mktime(time.strptime(text.replace(".000000", "")[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone


def write_private(path, data, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "w") as f:
        f.write(data)
    os.replace(tmp, path)


def run(args, input=None):
    r = subprocess.run(args, input=input, capture_output=True, text=isinstance(input, str) or input is None)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {r.stderr.strip() if isinstance(r.stderr, str) else r.stderr}")
    return r.stdout


# ---------------------------------------------------------------------------------------------- PKI

def gen_rsa_key(path):
    run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path])
    os.chmod(path, 0o600)


def gen_ca(key, crt, cn):
    gen_rsa_key(key)
    run(["openssl", "req", "-x509", "-new", "-key", key, "-subj", f"/CN={cn}", "-days", "3650", "-out", crt,
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign"])


def sign_csr(csr_pem, ca_crt, ca_key, usage, sans=(), days=365):
    """Signs a PEM CSR with the CA; usage is 'serverAuth' or 'clientAuth'. Returns the certificate PEM."""
    with tempfile.TemporaryDirectory() as d:
        csr, ext, out = f"{d}/req.csr", f"{d}/ext.cnf", f"{d}/out.crt"
        with open(csr, "w") as f:
            f.write(csr_pem)
        lines = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment", f"extendedKeyUsage={usage}"]
        if sans:
            lines.append("subjectAltName=" + ",".join(("IP:" if is_ip(s) else "DNS:") + s for s in sans))
        with open(ext, "w") as f:
            f.write("\n".join(lines) + "\n")
        run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", str(days), "-extfile", ext, "-out", out])
        with open(out) as f:
            return f.read()


def make_csr(key_path, cn, orgs=()):
    subj = "".join(f"/O={o}" for o in orgs) + f"/CN={cn}"
    return run(["openssl", "req", "-new", "-key", key_path, "-subj", subj])


def issue_cert(pki, name, cn, orgs=(), usage="clientAuth", sans=(), ca="ca", days=365):
    """Key + certificate signed by pki/<ca>.crt, written as pki/<name>.key/.crt (kubeadm's layout)."""
    key, crt = f"{pki}/{name}.key", f"{pki}/{name}.crt"
    gen_rsa_key(key)
    pem = sign_csr(make_csr(key, cn, orgs), f"{pki}/{ca}.crt", f"{pki}/{ca}.key", usage, sans, days)
    with open(crt, "w") as f:
        f.write(pem)
    return key, crt


def ca_public_key_hash(ca_pem):
    """sha256 of the CA's SubjectPublicKeyInfo, as in --discovery-token-ca-cert-hash."""
    pub = run(["openssl", "x509", "-pubkey", "-noout"], input=ca_pem)
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub.encode(), capture_output=True, check=True).stdout
    return "sha256:" + hashlib.sha256(der).hexdigest()


def is_ip(text):
    parts = text.split(".")
    return len(parts) == 4 and all(p.isdigit() and 0 <= int(p) < 256 for p in parts)


# ---------------------------------------------------------------------------------------------- JWT (RS256 via openssl)

def jwt_sign(claims, key_path, kid="standin"):
    header = b64url(json.dumps({"alg": "RS256", "kid": kid}, separators=(",", ":")))
    payload = b64url(json.dumps(claims, separators=(",", ":")))
    signing_input = f"{header}.{payload}".encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key_path], input=signing_input, capture_output=True, check=True).stdout
    return f"{header}.{payload}.{b64url(sig)}"


def jwt_verify(token, pub_path):
    """Claims when the RS256 signature checks out against pub_path and the token has not expired; else None."""
    try:
        header, payload, sig = token.split(".")
        with tempfile.NamedTemporaryFile() as s:
            s.write(b64url_decode(sig))
            s.flush()
            r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pub_path, "-signature", s.name],
                               input=f"{header}.{payload}".encode(), capture_output=True)
        if r.returncode != 0:
            return None
        claims = json.loads(b64url_decode(payload))
        return claims if claims.get("exp", 0) > time.time() else None
    except (ValueError, OSError):
        return None


def jws_detached_hs256(payload, token_id, secret):
    """The bootstrap signer's detached JWS over the cluster-info kubeconfig (kubeadm token discovery)."""
    header = b64url(json.dumps({"alg": "HS256", "kid": token_id}, separators=(",", ":")))
    sig = hmac.new(secret.encode(), f"{header}.{b64url(payload)}".encode(), hashlib.sha256).digest()
    return f"{header}..{b64url(sig)}"


# ---------------------------------------------------------------------------------------------- kubeconfig + client

def kubeconfig(server, ca_pem, user, cluster_name="kubernetes", cert_pem=None, key_pem=None, token=None, cert_file=None, key_file=None):
    u = {}
    if cert_pem:
        u["client-certificate-data"], u["client-key-data"] = b64(cert_pem), b64(key_pem)
    if cert_file:
        u["client-certificate"], u["client-key"] = cert_file, key_file
    if token:
        u["token"] = token
    ctx = f"{user}@{cluster_name}"
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": cluster_name, "cluster": {"certificate-authority-data": b64(ca_pem), "server": server}}],
        "contexts": [{"name": ctx, "context": {"cluster": cluster_name, "user": user}}],
        "current-context": ctx, "preferences": {},
        "users": [{"name": user, "user": u}],
    }, sort_keys=False)


class ApiError(Exception):
    def __init__(self, status, body):
        self.status, self.body = status, body
        super().__init__(body.get("message", str(body)) if isinstance(body, dict) else str(body))


class Client:
    """Talks to an API server with a kubeconfig's credentials (or anonymously with insecure=True)."""

    def __init__(self, kubeconfig_path=None, server=None, insecure=False, token=None, ca_pem=None, timeout=10):
        self.timeout = timeout
        cert = key = None
        if kubeconfig_path:
            with open(kubeconfig_path) as f:
                cfg = yaml.safe_load(f)
            ctx_name = cfg.get("current-context")
            ctx = next((c["context"] for c in cfg.get("contexts", []) if c["name"] == ctx_name), None) or cfg["contexts"][0]["context"]
            cluster = next(c["cluster"] for c in cfg["clusters"] if c["name"] == ctx["cluster"])
            user = next((u["user"] for u in cfg.get("users", []) if u["name"] == ctx.get("user")), {}) or {}
            server = server or cluster["server"]
            ca_pem = ca_pem or (base64.b64decode(cluster["certificate-authority-data"]).decode() if "certificate-authority-data" in cluster
                               else open(cluster["certificate-authority"]).read())
            token = token or user.get("token")
            if "client-certificate-data" in user:
                cert, key = base64.b64decode(user["client-certificate-data"]).decode(), base64.b64decode(user["client-key-data"]).decode()
            elif "client-certificate" in user:
                cert, key = open(user["client-certificate"]).read(), open(user["client-key"]).read()
        u = urllib.parse.urlparse(server)
        self.server, self.host, self.port = server, u.hostname, u.port or 443
        self.token = token
        if insecure:
            self.ctx = ssl._create_unverified_context()
        else:
            self.ctx = ssl.create_default_context(cadata=ca_pem)
            self.ctx.check_hostname = True
        if cert:
            with tempfile.NamedTemporaryFile("w", dir="/run" if os.access("/run", os.W_OK) else None) as f:
                f.write(cert + "\n" + key)
                f.flush()
                self.ctx.load_cert_chain(f.name)

    def request(self, method, path, body=None, raw=False, content_type="application/json"):
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=self.timeout)
        headers = {"Accept": "application/json", "User-Agent": f"kubectl-standin/{VERSION}"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = content_type
        try:
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode()
        finally:
            conn.close()
        if raw:
            return resp.status, text
        try:
            parsed = json.loads(text) if text else {}
        except json.JSONDecodeError:
            parsed = {"message": text}
        if resp.status >= 400:
            raise ApiError(resp.status, parsed)
        return parsed

    def get(self, path):
        return self.request("GET", path)

    def create_or_update(self, collection, obj):
        """As kubeadm's apiclient.CreateOrUpdateConfigMap: an init run again over an existing etcd updates."""
        try:
            return self.request("POST", collection, obj)
        except ApiError as e:
            if e.status != 409:
                raise
            current = self.get(f"{collection}/{obj['metadata']['name']}")
            obj = {**obj, "metadata": {**obj["metadata"], "resourceVersion": current["metadata"].get("resourceVersion")}}
            return self.request("PUT", f"{collection}/{obj['metadata']['name']}", obj)


# ---------------------------------------------------------------------------------------------- resource paths

def object_path(resource, group, version, name=None, namespace=None):
    base = f"/api/{version}" if not group else f"/apis/{group}/{version}"
    ns = f"/namespaces/{namespace}" if namespace else ""
    return f"{base}{ns}/{resource}" + (f"/{name}" if name else "")
