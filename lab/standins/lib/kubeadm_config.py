# LAB STAND-IN: reads and validates a kubeadm --config file the way kubeadm v1.37 does for the fields the
# stand-in uses: known apiVersion/kind, strict decoding (unknown fields refused), list-typed fields,
# required values and their formats. Messages follow kubeadm's wording.
import ipaddress
import re

import yaml

GV = "kubeadm.k8s.io/v1beta4"
NODE_REG = ["nodeRegistration", "nodeRegistration.name", "nodeRegistration.criSocket", "nodeRegistration.taints[]",
            "nodeRegistration.taints[].key", "nodeRegistration.taints[].value", "nodeRegistration.taints[].effect",
            "nodeRegistration.kubeletExtraArgs[]", "nodeRegistration.kubeletExtraArgs[].name", "nodeRegistration.kubeletExtraArgs[].value",
            "nodeRegistration.ignorePreflightErrors[]", "nodeRegistration.imagePullPolicy", "nodeRegistration.imagePullSerial"]
TIMEOUTS = ["timeouts"] + [f"timeouts.{t}" for t in ("controlPlaneComponentHealthCheck", "kubeletHealthCheck", "kubernetesAPICall",
                                                      "etcdAPICall", "tlsBootstrap", "discovery", "upgradeManifests")]
COMMON = ["apiVersion", "kind", "dryRun", "skipPhases[]", "patches", "patches.directory", *NODE_REG, *TIMEOUTS]


def _endpoint(p):
    return [p, f"{p}.advertiseAddress", f"{p}.bindPort"]


def _extra(p):
    return [p, f"{p}.extraArgs[]", f"{p}.extraArgs[].name", f"{p}.extraArgs[].value", f"{p}.extraEnvs[]", f"{p}.extraEnvs[].name", f"{p}.extraEnvs[].value"]


FIELDS = {
    "InitConfiguration": {*COMMON, *_endpoint("localAPIEndpoint"), "certificateKey", "bootstrapTokens[]", "bootstrapTokens[].token",
                          "bootstrapTokens[].description", "bootstrapTokens[].ttl", "bootstrapTokens[].expires", "bootstrapTokens[].usages[]",
                          "bootstrapTokens[].groups[]"},
    "ClusterConfiguration": {"apiVersion", "kind", "etcd", "etcd.local", "etcd.local.imageRepository", "etcd.local.imageTag", "etcd.local.dataDir",
                             *_extra("etcd.local"), "etcd.local.serverCertSANs[]", "etcd.local.peerCertSANs[]", "etcd.external",
                             "etcd.external.endpoints[]", "etcd.external.caFile", "etcd.external.certFile", "etcd.external.keyFile", "networking",
                             "networking.serviceSubnet", "networking.podSubnet", "networking.dnsDomain", "kubernetesVersion", "controlPlaneEndpoint",
                             *_extra("apiServer"), "apiServer.extraVolumes[]", "apiServer.certSANs[]", *_extra("controllerManager"),
                             *_extra("scheduler"), "dns", "dns.imageRepository", "dns.imageTag", "dns.disabled", "proxy", "proxy.disabled",
                             "certificatesDir", "imageRepository", "featureGates", "clusterName", "encryptionAlgorithm",
                             "certificateValidityPeriod", "caCertificateValidityPeriod"},
    "JoinConfiguration": {*COMMON, "caCertPath", "discovery", "discovery.bootstrapToken", "discovery.bootstrapToken.token",
                          "discovery.bootstrapToken.apiServerEndpoint", "discovery.bootstrapToken.caCertHashes[]",
                          "discovery.bootstrapToken.unsafeSkipCAVerification", "discovery.file", "discovery.file.kubeConfigPath",
                          "discovery.tlsBootstrapToken", "controlPlane", *_endpoint("controlPlane.localAPIEndpoint"), "controlPlane.certificateKey"},
}
OPEN_MAPS = ("featureGates", "apiServer.extraVolumes[]")  # free-form below these
OTHER_GVKS = {("kubelet.config.k8s.io/v1beta1", "KubeletConfiguration"), ("kubeproxy.config.k8s.io/v1alpha1", "KubeProxyConfiguration")}
TOKEN = re.compile(r"^([a-z0-9]{6})\.([a-z0-9]{16})$")


class ConfigError(Exception):
    pass


def _gvk(kind):
    return f'schema.GroupVersionKind{{Group:"kubeadm.k8s.io", Version:"v1beta4", Kind:"{kind}"}}'


def _check_fields(kind, node, prefix=""):
    allowed = FIELDS[kind]
    if isinstance(node, dict):
        for k, v in node.items():
            path = f"{prefix}.{k}" if prefix else k
            if any(path.startswith(o) for o in OPEN_MAPS):
                continue
            if path not in allowed and f"{path}[]" not in allowed:
                raise ConfigError(f'error unmarshaling configuration {_gvk(kind)}: strict decoding error: unknown field "{path}"')
            if f"{path}[]" in allowed and not isinstance(v, list) and v is not None:
                go_type = "[]v1beta4.Arg" if path.endswith("Args") else "[]string"
                raise ConfigError(f"error unmarshaling configuration {_gvk(kind)}: json: cannot unmarshal {'object' if isinstance(v, dict) else 'string'} "
                                  f"into Go struct field of type {go_type} ({path})")
            _check_fields(kind, v, path)
    elif isinstance(node, list):
        for item in node:
            _check_fields(kind, item, f"{prefix}[]")


def load(path, allowed_kinds):
    """Documents of a kubeadm config file by kind, validated; raises ConfigError with kubeadm's wording."""
    try:
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
    except FileNotFoundError:
        raise ConfigError(f"unable to read config from {path!r} : open {path}: no such file or directory")
    except yaml.YAMLError as e:
        raise ConfigError(f"error converting YAML to JSON: {e}")
    out = {}
    for d in docs:
        api, kind = d.get("apiVersion", ""), d.get("kind", "")
        if not api or not kind:
            raise ConfigError(f"Object 'Kind' is missing in '{yaml.safe_dump(d).strip()[:80]}'" if not kind else "Object 'apiVersion' is missing")
        if api in ("kubeadm.k8s.io/v1beta1", "kubeadm.k8s.io/v1beta2"):
            raise ConfigError(f'your configuration file uses an old API spec: "{api}". Please use kubeadm v1.22 instead and run '
                              "'kubeadm config migrate --old-config old.yaml --new-config new.yaml', which will write the new, similar spec using a newer API version.")
        if api.startswith("kubeadm.k8s.io/"):
            if api != GV or kind not in FIELDS:
                raise ConfigError(f'no kind "{kind}" is registered for version "{api}" in scheme "k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31"')
            _check_fields(kind, d)
        elif (api, kind) not in OTHER_GVKS:
            raise ConfigError(f'no kind "{kind}" is registered for version "{api}"')
        out[kind] = d
    if not any(k in out for k in allowed_kinds):
        raise ConfigError(f"no {' or '.join(allowed_kinds)} found in {path}")
    _validate(out)
    return out


def _ip(field, value):
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ConfigError(f'{field}: Invalid value: "{value}": cannot parse IP address')


def _validate(docs):
    init, cluster, join = docs.get("InitConfiguration"), docs.get("ClusterConfiguration"), docs.get("JoinConfiguration")
    for doc, prefix in ((init, "localAPIEndpoint"), (join and join.get("controlPlane"), "localAPIEndpoint")):
        ep = (doc or {}).get("localAPIEndpoint") or {}
        if ep.get("advertiseAddress"):
            _ip(f"{prefix}.advertiseAddress", ep["advertiseAddress"])
    if cluster:
        net = cluster.get("networking") or {}
        for field in ("podSubnet", "serviceSubnet"):
            if net.get(field):
                try:
                    ipaddress.ip_network(net[field])
                except ValueError:
                    raise ConfigError(f'networking.{field}: Invalid value: "{net[field]}": couldn\'t parse subnet')
        cpe = cluster.get("controlPlaneEndpoint", "")
        if cpe and not re.match(r"^[A-Za-z0-9.\-]+(:\d+)?$", cpe):
            raise ConfigError(f'controlPlaneEndpoint: Invalid value: "{cpe}": invalid host:port')
        ext = (cluster.get("etcd") or {}).get("external")
        if ext is not None and not ext.get("endpoints"):
            raise ConfigError("etcd.external.endpoints: Required value: not set")
        if ext and (cluster.get("etcd") or {}).get("local"):
            raise ConfigError("etcd: Invalid value: \"\": either .Etcd.Local or .Etcd.External is required")
        if ext:
            # kubeadm's ValidateEtcd: paths absolute, cert and key together, and https endpoints
            # whenever certificates are given (plain http only without any).
            files = {f: ext.get(f, "") for f in ("caFile", "certFile", "keyFile")}
            for field, value in files.items():
                if value and not value.startswith("/"):
                    raise ConfigError(f'etcd.external.{field}: Invalid value: "{value}": path is not absolute')
            if bool(files["certFile"]) != bool(files["keyFile"]):
                raise ConfigError('etcd.external: Invalid value: "": either both or none of .Etcd.External.CertFile and .Etcd.External.KeyFile must be set')
            if any(files.values()):
                for e in ext["endpoints"]:
                    if not e.startswith("https://"):
                        raise ConfigError(f'etcd.external.endpoints: Invalid value: "{e}": URL scheme must be https if CA/certificates are specified')
    if join:
        disc = join.get("discovery") or {}
        bt = disc.get("bootstrapToken")
        if not bt and not disc.get("file"):
            raise ConfigError('discovery: Invalid value: "": bootstrapToken or file must be set')
        if bt:
            if not TOKEN.match(str(bt.get("token", ""))):
                raise ConfigError(f'discovery.bootstrapToken.token: Invalid value: "{"*" * 4}": the bootstrap token is invalid')
            if not bt.get("apiServerEndpoint"):
                raise ConfigError('discovery.bootstrapToken.apiServerEndpoint: Invalid value: "": discovery.bootstrapToken.apiServerEndpoint is required')
            if not bt.get("caCertHashes") and not bt.get("unsafeSkipCAVerification"):
                raise ConfigError('discovery.bootstrapToken: Invalid value: "": using token-based discovery without caCertHashes can be unsafe. '
                                  "Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue")
            for h in bt.get("caCertHashes") or []:
                if not re.match(r"^sha256:[0-9a-f]{64}$", h):
                    raise ConfigError(f'discovery.bootstrapToken.caCertHashes: Invalid value: "{h}": invalid hash, expected "format:hex-value"')
        cp = join.get("controlPlane")
        if cp is not None and cp.get("certificateKey") and not re.match(r"^[0-9a-f]{64}$", cp["certificateKey"]):
            raise ConfigError("controlPlane.certificateKey: Invalid value: \"****\": certificate key must be a hex encoded string of 32 bytes")


def resolve_version(requested, own):
    """kubernetesVersion: stable-1.37 / v1.37.x / 1.37.x against this kubeadm; kubeadm refuses newer or too-old control planes."""
    own_minor = int(own.split(".")[1])
    if not requested or requested.startswith("stable") or requested.startswith("latest"):
        m = re.match(r"^(?:stable|latest)-1\.(\d+)$", requested or "")
        if m and int(m.group(1)) != own_minor:
            raise ConfigError(f'could not fetch a Kubernetes version from the internet: unable to get URL "https://dl.k8s.io/release/{requested}.txt" '
                              f"(lab stand-in: no internet; it only knows its own version {own})")
        return own
    m = re.match(r"^v?1\.(\d+)\.(\d+)$", requested)
    if not m:
        raise ConfigError(f'kubernetesVersion: Invalid value: "{requested}": must be a valid semantic version')
    minor = int(m.group(1))
    if minor > own_minor:
        raise ConfigError(f"this version of kubeadm only supports deploying clusters with the control plane version >= 1.{own_minor - 1}.0. "
                          f"Current version: v1.{minor}.{m.group(2)} is higher than the kubeadm version {own}")
    if minor < own_minor - 1:
        raise ConfigError(f"this version of kubeadm only supports deploying clusters with the control plane version >= 1.{own_minor - 1}.0. Current version: v1.{minor}.{m.group(2)}")
    return "v" + requested.lstrip("v")
