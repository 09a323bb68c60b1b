"""Server-side printing for the stand-in API server: the meta.k8s.io/v1 Table that kube-apiserver answers when a
client (kubectl get) asks for `application/json;as=Table;v=v1;g=meta.k8s.io`.

The columns and cells follow kube-apiserver's printers (kubernetes/kubernetes pkg/printers/internalversion/printers.go,
which the server always runs with Wide: true, so priority-1 cells are always present and kubectl drops them unless
-o wide), the generic convertor kinds without a printer get (k8s.io/apiserver pkg/registry/rest/table.go: NAME,
CREATED AT) and the custom-resource convertor (apiextensions-apiserver .../tableconvertor: NAME + the CRD version's
additionalPrinterColumns, by default a single AGE). Ages are duration.HumanDuration (k8s.io/apimachinery
pkg/util/duration). Stdlib only.

Where the real server prints a field that its defaulting always sets (a Service's type, a port's protocol, a
namespace's phase, a Deployment's replicas, ...), the stand-in's stored object may lack it; the default is used.
"""

import copy
import datetime
import decimal
import json
import math
import re
import time

TABLE_API_VERSION = "meta.k8s.io/v1"

# ---------------------------------------------------------------------------------------------------- Accept

def wants_table(accept_header):
    """True when one of the Accept header's media ranges asks for `as=Table` in meta.k8s.io v1 or v1beta1 (JSON)."""
    if not accept_header:
        return False
    for clause in accept_header.split(","):
        parts = [p.strip() for p in clause.split(";")]
        media = parts[0].lower()
        if media not in ("application/json", "*/*", "application/*"):
            continue
        params = {}
        for p in parts[1:]:
            if "=" in p:
                k, v = p.split("=", 1)
                params[k.strip().lower()] = v.strip().strip('"')
        if params.get("as") == "Table" and params.get("g") == "meta.k8s.io" and params.get("v") in ("v1", "v1beta1"):
            return True
    return False

# ---------------------------------------------------------------------------------------------------- time

def _parse_time(value):
    """RFC 3339 → POSIX seconds; None for empty / missing; raises ValueError when malformed."""
    if value is None or value == "" or value == "null":
        return None
    if not isinstance(value, str):
        raise ValueError("not a string")
    if not re.match(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", value):
        raise ValueError(f"not RFC 3339: {value!r}")
    s = value.replace("z", "Z").replace("t", "T")
    frac = 0.0
    m = re.match(r"^(.*T\d{2}:\d{2}:\d{2})(\.\d+)?(.*)$", s)
    base, fraction, zone = m.group(1), m.group(2), m.group(3)
    if fraction:
        frac = float("0" + fraction)
    if zone == "Z":
        zone = "+00:00"
    dt = datetime.datetime.fromisoformat(base + zone)
    return dt.timestamp() + frac


def human_duration(seconds):
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration for a duration given in (float) seconds."""
    ns = int(round(seconds * 1e9))
    secs = ns // 1_000_000_000 if ns >= 0 else -((-ns) // 1_000_000_000)
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 60 * 2:
        return f"{secs}s"
    minutes = ns // (60 * 1_000_000_000)
    if minutes < 10:
        s = (ns // 1_000_000_000) % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = ns // (3600 * 1_000_000_000)
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def _since(value, now):
    """translateTimestampSince: "<unknown>" for a zero (missing) time."""
    try:
        t = _parse_time(value)
    except ValueError:
        return "<unknown>"
    if t is None:
        return "<unknown>"
    return human_duration(now - t)


def _rfc3339_utc(value):
    """metav1.Time.UTC().Format(time.RFC3339): whole seconds, "Z"; the zero time when missing."""
    try:
        t = _parse_time(value)
    except ValueError:
        t = None
    if t is None:
        return "0001-01-01T00:00:00Z"
    return datetime.datetime.fromtimestamp(math.floor(t), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

# ---------------------------------------------------------------------------------------------------- helpers

def _get(obj, *path, default=None):
    cur = obj
    for key in path:
        if isinstance(cur, dict) and key in cur:
            cur = cur[key]
        else:
            return default
    return default if cur is None else cur


def _name(obj):
    return _get(obj, "metadata", "name", default="")


def _age(obj, now):
    return _since(_get(obj, "metadata", "creationTimestamp"), now)


def _format_labels(labels):
    """labels.FormatLabels: sorted k=v joined by ",", "<none>" when empty."""
    s = ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items()))
    return s or "<none>"


def _selector_string(selector):
    """metav1.LabelSelectorAsSelector(sel).String(); None when the selector is invalid."""
    if not selector:
        return ""
    reqs = []
    for k, v in (selector.get("matchLabels") or {}).items():
        reqs.append((k, f"{k}={v}"))
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key", ""), expr.get("operator", ""), sorted(set(expr.get("values") or []))
        if op == "In":
            reqs.append((key, f"{key} in ({','.join(values)})"))
        elif op == "NotIn":
            reqs.append((key, f"{key} notin ({','.join(values)})"))
        elif op == "Exists":
            reqs.append((key, key))
        elif op == "DoesNotExist":
            reqs.append((key, f"!{key}"))
        else:
            return None
    reqs.sort(key=lambda r: r[0])
    return ",".join(r[1] for r in reqs)


def _format_label_selector(selector):
    """metav1.FormatLabelSelector: "<none>" when empty, "<error>" when invalid."""
    s = _selector_string(selector)
    if s is None:
        return "<error>"
    return s or "<none>"


def _containers(pod_spec):
    cs = (pod_spec or {}).get("containers") or []
    return ",".join(c.get("name", "") for c in cs), ",".join(c.get("image", "") for c in cs)


def _template_spec(obj):
    return _get(obj, "spec", "template", "spec", default={})


def _int_or_string(v):
    """intstr.IntOrString.String()."""
    return str(v)


def _int(v, default=0):
    if isinstance(v, bool) or v is None:
        return default
    if isinstance(v, (int, float)):
        return int(v)
    return default


def _condition(conditions, ctype):
    for c in conditions or []:
        if c.get("type") == ctype:
            return c
    return None


def _go_float(f):
    """fmt.Sprint of a float64 (%v = shortest %g: exponent form below 1e-4 and from 1e6 on, as in "1e+06")."""
    if f != f:
        return "NaN"
    if f in (float("inf"), float("-inf")):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1, f) < 0 else "0"
    sign, digits, exp = decimal.Decimal(repr(f)).normalize().as_tuple()
    ds = "".join(map(str, digits))
    x = len(ds) - 1 + exp  # decimal exponent of the leading digit
    neg = "-" if sign else ""
    if x < -4 or x >= 6:
        mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        return f"{neg}{mant}e{'+' if x >= 0 else '-'}{abs(x):02d}"
    return neg + format(decimal.Decimal(ds).scaleb(exp), "f")


# ---------------------------------------------------------------------------------------------------- columns

NAME_COL = ("Name", "string", "name", "ObjectMeta.name", 0)
AGE_COL = ("Age", "string", "", "ObjectMeta.creationTimestamp", 0)
CONTAINERS_COL = ("Containers", "string", "", "", 1)
IMAGES_COL = ("Images", "string", "", "", 1)


def _col(name, typ, desc, priority=0, fmt=""):
    return (name, typ, fmt, desc, priority)


def _column_json(c):
    """A column definition. Descriptions are short ones of the stand-in's own (the field a column shows):
    kubectl does not print them."""
    name, typ, fmt, desc, priority = c
    if re.fullmatch(r"[A-Z]\w+\.\w+", desc):  # a field's path: the column shows that field
        desc = f"{name}: from {desc}"
    desc = desc or name
    return {"name": name, "type": typ, "format": fmt, "description": desc, "priority": priority}

# ---------------------------------------------------------------------------------------------------- printers
# Each printer: (columns, fn(obj, now) -> (cells, conditions|None)).

def _print_pod(pod, now):
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    containers = spec.get("containers") or []
    init_specs = {c.get("name"): c for c in spec.get("initContainers") or []}
    restartable = lambda c: bool(c) and c.get("restartPolicy") == "Always"  # noqa: E731
    restarts = 0
    restartable_restarts = 0
    total = len(containers) + sum(1 for c in init_specs.values() if restartable(c))
    ready = 0
    last_restart = None
    last_restartable_restart = None

    def later(a, b):
        try:
            tb = _parse_time(b)
        except ValueError:
            tb = None
        if tb is None:
            return a
        return tb if a is None or a < tb else a

    phase = status.get("phase", "")
    reason = phase
    if status.get("reason"):
        reason = status["reason"]
    for c in status.get("conditions") or []:
        if c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    conditions = None
    if phase == "Succeeded":
        conditions = [{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}]
    elif phase == "Failed":
        conditions = [{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]

    initializing = False
    n_init = len(spec.get("initContainers") or [])
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        restarts += _int(cs.get("restartCount"))
        term_last = _get(cs, "lastState", "terminated")
        if term_last:
            last_restart = later(last_restart, term_last.get("finishedAt"))
        is_restartable = restartable(init_specs.get(cs.get("name")))
        if is_restartable:
            restartable_restarts += _int(cs.get("restartCount"))
            if term_last:
                last_restartable_restart = later(last_restartable_restart, term_last.get("finishedAt"))
        state = cs.get("state") or {}
        term, waiting = state.get("terminated"), state.get("waiting")
        if term is not None and _int(term.get("exitCode")) == 0:
            continue
        if is_restartable and cs.get("started") is True:
            if cs.get("ready"):
                ready += 1
            continue
        if term is not None:
            if not term.get("reason"):
                if _int(term.get("signal")) != 0:
                    reason = f"Init:Signal:{_int(term.get('signal'))}"
                else:
                    reason = f"Init:ExitCode:{_int(term.get('exitCode'))}"
            else:
                reason = "Init:" + term["reason"]
            initializing = True
        elif waiting is not None and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = "Init:" + waiting["reason"]
            initializing = True
        else:
            reason = f"Init:{i}/{n_init}"
            initializing = True
        break

    initialized = next((c.get("status") == "True" for c in status.get("conditions") or [] if c.get("type") == "Initialized"), False)
    if not initializing or initialized:
        restarts = restartable_restarts
        last_restart = last_restartable_restart
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += _int(cs.get("restartCount"))
            term_last = _get(cs, "lastState", "terminated")
            if term_last:
                last_restart = later(last_restart, term_last.get("finishedAt"))
            state = cs.get("state") or {}
            waiting, term, running = state.get("waiting"), state.get("terminated"), state.get("running")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif term is not None and term.get("reason"):
                reason = term["reason"]
            elif term is not None:
                if _int(term.get("signal")) != 0:
                    reason = f"Signal:{_int(term.get('signal'))}"
                else:
                    reason = f"ExitCode:{_int(term.get('exitCode'))}"
            elif cs.get("ready") and running is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            pod_ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
            reason = "Running" if pod_ready else "NotReady"

    deleting = bool(_get(pod, "metadata", "deletionTimestamp"))
    if deleting and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif deleting and phase not in ("Failed", "Succeeded"):
        reason = "Terminating"

    restarts_str = str(restarts)
    if restarts != 0 and last_restart is not None:
        restarts_str = f"{restarts} ({human_duration(now - last_restart)} ago)"

    pod_ips = status.get("podIPs") or []
    pod_ip = pod_ips[0].get("ip", "") if pod_ips else status.get("podIP", "")
    gates = spec.get("readinessGates") or []
    gates_str = "<none>"
    if gates:
        true_count = 0
        for g in gates:
            c = _condition(status.get("conditions"), g.get("conditionType"))
            if c is not None and c.get("status") == "True":
                true_count += 1
        gates_str = f"{true_count}/{len(gates)}"
    cells = [_name(pod), f"{ready}/{total}", reason, restarts_str, _age(pod, now),
             pod_ip or "<none>", spec.get("nodeName") or "<none>", status.get("nominatedNodeName") or "<none>", gates_str]
    return cells, conditions


POD_COLUMNS = [
    NAME_COL,
    _col("Ready", "string", ""),
    _col("Status", "string", ""),
    _col("Restarts", "string", ""),
    AGE_COL,
    _col("IP", "string", "PodStatus.podIP", 1),
    _col("Node", "string", "PodSpec.nodeName", 1),
    _col("Nominated Node", "string", "PodStatus.nominatedNodeName", 1),
    _col("Readiness Gates", "string", "PodSpec.readinessGates", 1),
]


def _node_roles(node):
    roles = set()
    for k, v in (_get(node, "metadata", "labels", default={}) or {}).items():
        if k.startswith("node-role.kubernetes.io/"):
            role = k[len("node-role.kubernetes.io/"):]
            if role:
                roles.add(role)
        elif k == "kubernetes.io/role" and v != "":
            roles.add(v)
    return sorted(roles)


def _print_node(node, now):
    status = node.get("status") or {}
    ready = None
    for c in status.get("conditions") or []:  # the last Ready condition wins, as in the printer's map
        if c.get("type") == "Ready":
            ready = c
    states = []
    if ready is not None:
        states.append("Ready" if ready.get("status") == "True" else "NotReady")
    if not states:
        states.append("Unknown")
    if _get(node, "spec", "unschedulable"):
        states.append("SchedulingDisabled")
    roles = ",".join(_node_roles(node)) or "<none>"
    info = status.get("nodeInfo") or {}

    def address(kind):
        for a in status.get("addresses") or []:
            if a.get("type") == kind:
                return a.get("address", "")
        return "<none>"

    cells = [_name(node), ",".join(states), roles, _age(node, now), info.get("kubeletVersion", ""),
             address("InternalIP"), address("ExternalIP"), info.get("osImage") or "<unknown>",
             info.get("kernelVersion") or "<unknown>", info.get("containerRuntimeVersion") or "<unknown>"]
    return cells, None


NODE_COLUMNS = [
    NAME_COL,
    _col("Status", "string", ""),
    _col("Roles", "string", ""),
    AGE_COL,
    _col("Version", "string", "NodeSystemInfo.kubeletVersion"),
    _col("Internal-IP", "string", "NodeStatus.addresses", 1),
    _col("External-IP", "string", "NodeStatus.addresses", 1),
    _col("OS-Image", "string", "NodeSystemInfo.osImage", 1),
    _col("Kernel-Version", "string", "NodeSystemInfo.kernelVersion", 1),
    _col("Container-Runtime", "string", "NodeSystemInfo.containerRuntimeVersion", 1),
]


def _print_namespace(ns, now):
    return [_name(ns), _get(ns, "status", "phase", default="Active"), _age(ns, now)], None


NAMESPACE_COLUMNS = [NAME_COL, _col("Status", "string", ""), AGE_COL]


def _lb_status(lb):
    names = set()
    for ing in (lb or {}).get("ingress") or []:
        if ing.get("ip"):
            names.add(ing["ip"])
        elif ing.get("hostname"):
            names.add(ing["hostname"])
    return ",".join(sorted(names))  # wide (the server prints wide): never clipped


def _print_service(svc, now):
    spec = svc.get("spec") or {}
    svc_type = spec.get("type") or "ClusterIP"
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    internal = ips[0] if ips else "<none>"
    external_ips = spec.get("externalIPs") or []
    if svc_type in ("ClusterIP", "NodePort"):
        external = ",".join(external_ips) if external_ips else "<none>"
    elif svc_type == "LoadBalancer":
        lb = _lb_status(_get(svc, "status", "loadBalancer"))
        if external_ips:
            external = ",".join((lb.split(",") if lb else []) + external_ips)
        else:
            external = lb or "<pending>"
    elif svc_type == "ExternalName":
        external = spec.get("externalName", "")
    else:
        external = "<unknown>"
    pieces = []
    for p in spec.get("ports") or []:
        proto = p.get("protocol") or "TCP"
        if _int(p.get("nodePort")) > 0:
            pieces.append(f"{_int(p.get('port'))}:{_int(p.get('nodePort'))}/{proto}")
        else:
            pieces.append(f"{_int(p.get('port'))}/{proto}")
    ports = ",".join(pieces) or "<none>"
    return [_name(svc), svc_type, internal, external, ports, _age(svc, now), _format_labels(spec.get("selector"))], None


SERVICE_COLUMNS = [
    NAME_COL,
    _col("Type", "string", "ServiceSpec.type"),
    _col("Cluster-IP", "string", "ServiceSpec.clusterIP"),
    _col("External-IP", "string", "ServiceSpec.externalIPs"),
    _col("Port(s)", "string", "ServiceSpec.ports"),
    AGE_COL,
    _col("Selector", "string", "ServiceSpec.selector", 1),
]


def _print_deployment(d, now):
    spec, status = d.get("spec") or {}, d.get("status") or {}
    desired = _int(spec.get("replicas"), 1)
    sel = _selector_string(spec.get("selector"))
    names, images = _containers(_template_spec(d))
    cells = [_name(d), f"{_int(status.get('readyReplicas'))}/{desired}", _int(status.get("updatedReplicas")),
             _int(status.get("availableReplicas")), _age(d, now), names, images, "<invalid>" if sel is None else sel]
    return cells, None


DEPLOYMENT_COLUMNS = [
    NAME_COL,
    _col("Ready", "string", ""),
    _col("Up-to-date", "string", "DeploymentStatus.updatedReplicas"),
    _col("Available", "string", "DeploymentStatus.availableReplicas"),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    _col("Selector", "string", "DeploymentSpec.selector", 1),
]


def _replicas_printer(format_selector):
    """ReplicaSets and ReplicationControllers print alike; only their selectors differ (LabelSelector, map)."""
    def printer(obj, now):
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        names, images = _containers(_template_spec(obj))
        cells = [_name(obj), _int(spec.get("replicas"), 1), _int(status.get("replicas")), _int(status.get("readyReplicas")),
                 _age(obj, now), names, images, format_selector(spec.get("selector"))]
        return cells, None
    return printer


_print_replicaset = _replicas_printer(_format_label_selector)


REPLICASET_COLUMNS = [
    NAME_COL,
    _col("Desired", "integer", "ReplicaSetSpec.replicas"),
    _col("Current", "integer", "ReplicaSetStatus.replicas"),
    _col("Ready", "integer", "ReplicaSetStatus.readyReplicas"),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    _col("Selector", "string", "ReplicaSetSpec.selector", 1),
]


_print_replicationcontroller = _replicas_printer(_format_labels)


RC_COLUMNS = [
    NAME_COL,
    _col("Desired", "integer", "ReplicationControllerSpec.replicas"),
    _col("Current", "integer", "ReplicationControllerStatus.replicas"),
    _col("Ready", "integer", "ReplicationControllerStatus.readyReplicas"),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    _col("Selector", "string", "ReplicationControllerSpec.selector", 1),
]


def _print_daemonset(ds, now):
    status = ds.get("status") or {}
    names, images = _containers(_template_spec(ds))
    cells = [_name(ds), _int(status.get("desiredNumberScheduled")), _int(status.get("currentNumberScheduled")),
             _int(status.get("numberReady")), _int(status.get("updatedNumberScheduled")), _int(status.get("numberAvailable")),
             _format_labels(_template_spec(ds).get("nodeSelector")), _age(ds, now), names, images,
             _format_label_selector(_get(ds, "spec", "selector"))]
    return cells, None


DAEMONSET_COLUMNS = [
    NAME_COL,
    _col("Desired", "integer", "DaemonSetStatus.desiredNumberScheduled"),
    _col("Current", "integer", "DaemonSetStatus.currentNumberScheduled"),
    _col("Ready", "integer", "DaemonSetStatus.numberReady"),
    _col("Up-to-date", "integer", "DaemonSetStatus.updatedNumberScheduled"),
    _col("Available", "integer", "DaemonSetStatus.numberAvailable"),
    _col("Node Selector", "string", "PodSpec.nodeSelector"),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    _col("Selector", "string", "DaemonSetSpec.selector", 1),
]


def _print_statefulset(sts, now):
    names, images = _containers(_template_spec(sts))
    ready = _int(_get(sts, "status", "readyReplicas"))
    cells = [_name(sts), f"{ready}/{_int(_get(sts, 'spec', 'replicas'), 1)}", _age(sts, now), names, images]
    return cells, None


STATEFULSET_COLUMNS = [NAME_COL, _col("Ready", "string", ""), AGE_COL, CONTAINERS_COL, IMAGES_COL]


def _print_job(job, now):
    spec, status = job.get("spec") or {}, job.get("status") or {}
    succeeded = _int(status.get("succeeded"))
    completions, parallelism = spec.get("completions"), spec.get("parallelism")
    if completions is None and parallelism is None:  # batch/v1 defaulting
        completions, parallelism = 1, 1
    if completions is not None:
        comp = f"{succeeded}/{_int(completions)}"
    elif _int(parallelism, 1) > 1:
        comp = f"{succeeded}/1 of {_int(parallelism, 1)}"
    else:
        comp = f"{succeeded}/1"
    duration = ""
    try:
        start, end = _parse_time(status.get("startTime")), _parse_time(status.get("completionTime"))
    except ValueError:
        start, end = None, None
    if start is not None:
        duration = human_duration((now if end is None else end) - start)

    def has(ctype):
        c = _condition(status.get("conditions"), ctype)
        return c is not None and c.get("status") == "True"

    if has("Complete"):
        state = "Complete"
    elif has("Failed"):
        state = "Failed"
    elif _get(job, "metadata", "deletionTimestamp"):
        state = "Terminating"
    elif has("Suspended"):
        state = "Suspended"
    elif has("FailureTarget"):
        state = "FailureTarget"
    else:
        state = "Running"
    names, images = _containers(_template_spec(job))
    return [_name(job), state, comp, duration, _age(job, now), names, images, _format_label_selector(spec.get("selector"))], None


JOB_COLUMNS = [
    NAME_COL,
    _col("Status", "string", ""),
    _col("Completions", "string", "JobStatus.succeeded"),
    _col("Duration", "string", ""),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    _col("Selector", "string", "JobSpec.selector", 1),
]


def _print_cronjob(cj, now):
    spec = cj.get("spec") or {}
    last = _get(cj, "status", "lastScheduleTime")
    last_str = _since(last, now) if last else "<none>"
    suspend = spec.get("suspend")
    suspend_str = "<unset>" if suspend is None else ("True" if suspend else "False")
    job_spec = _get(cj, "spec", "jobTemplate", "spec", default={})
    names, images = _containers(_get(job_spec, "template", "spec", default={}))
    cells = [_name(cj), spec.get("schedule", ""), spec.get("timeZone") or "<none>", suspend_str,
             len(_get(cj, "status", "active", default=[]) or []), last_str, _age(cj, now), names, images,
             _format_label_selector(job_spec.get("selector"))]
    return cells, None


CRONJOB_COLUMNS = [
    NAME_COL,
    _col("Schedule", "string", "CronJobSpec.schedule"),
    _col("Timezone", "string", "CronJobSpec.timeZone"),
    _col("Suspend", "boolean", "CronJobSpec.suspend"),
    _col("Active", "integer", "CronJobStatus.active"),
    _col("Last Schedule", "string", "CronJobStatus.lastScheduleTime"),
    AGE_COL,
    CONTAINERS_COL,
    IMAGES_COL,
    _col("Selector", "string", "JobSpec.selector", 1),
]


def _print_configmap(cm, now):
    return [_name(cm), len(cm.get("data") or {}) + len(cm.get("binaryData") or {}), _age(cm, now)], None


CONFIGMAP_COLUMNS = [NAME_COL, _col("Data", "string", "ConfigMap.data"), AGE_COL]


def _print_secret(s, now):
    return [_name(s), s.get("type") or "Opaque", len(s.get("data") or {}), _age(s, now)], None


SECRET_COLUMNS = [NAME_COL, _col("Type", "string", "Secret.type"), _col("Data", "string", "Secret.data"), AGE_COL]


def _print_serviceaccount(sa, now):
    return [_name(sa), len(sa.get("secrets") or []), _age(sa, now)], None


SERVICEACCOUNT_COLUMNS = [NAME_COL, _col("Secrets", "string", "ServiceAccount.secrets"), AGE_COL]


def _print_lease(lease, now):
    return [_name(lease), _get(lease, "spec", "holderIdentity", default=""), _age(lease, now)], None


LEASE_COLUMNS = [NAME_COL, _col("Holder", "string", "LeaseSpec.holderIdentity"), AGE_COL]


def _format_endpoints(ep):
    subsets = ep.get("subsets") or []
    if not subsets:
        return "<none>"
    out, limit, more, count = [], 3, False, 0
    for ss in subsets:
        addresses = ss.get("addresses") or []
        ports = ss.get("ports") or []
        if not ports:
            count += len(addresses)
            for a in addresses:
                if len(out) == limit:
                    more = True
                    break
                out.append(a.get("ip", ""))
            continue
        for port in ports:
            count += len(addresses)
            for a in addresses:
                if len(out) == limit:
                    more = True
                    break
                ip = a.get("ip", "")
                host = f"[{ip}]" if ":" in ip else ip
                out.append(f"{host}:{_int(port.get('port'))}")
    ret = ",".join(out)
    if more:
        return f"{ret} + {count - limit} more..."
    return ret


def _print_endpoints(ep, now):
    return [_name(ep), _format_endpoints(ep), _age(ep, now)], None


ENDPOINTS_COLUMNS = [NAME_COL, _col("Endpoints", "string", "Endpoints.subsets"), AGE_COL]


def _list_with_more(items, limit=3):
    shown = items[:limit]
    ret = ",".join(shown)
    if len(items) > limit:
        return f"{ret} + {len(items) - limit} more..."
    return ret or "<unset>"


def _print_endpointslice(es, now):
    ports = []
    for p in es.get("ports") or []:
        if p.get("port") is not None:
            ports.append(str(_int(p.get("port"))))
        elif p.get("name") is not None:
            ports.append(p["name"])
        else:
            ports.append("*")
    addresses = [a for e in es.get("endpoints") or [] for a in e.get("addresses") or []]
    return [_name(es), es.get("addressType", ""), _list_with_more(ports), _list_with_more(addresses), _age(es, now)], None


ENDPOINTSLICE_COLUMNS = [
    NAME_COL,
    _col("AddressType", "string", "EndpointSlice.addressType"),
    _col("Ports", "string", "EndpointSlice.ports"),
    _col("Endpoints", "string", "EndpointSlice.endpoints"),
    AGE_COL,
]


def _print_ingress(ing, now):
    spec = ing.get("spec") or {}
    rules = spec.get("rules") or []
    hosts, limit, more = [], 3, False
    for r in rules:
        if len(hosts) == limit:
            more = True
        if not more and r.get("host"):
            hosts.append(r["host"])
    if not hosts:
        hosts_str = "*"
    else:
        hosts_str = ",".join(hosts) + (f" + {len(rules) - limit} more..." if more else "")
    ports = "80, 443" if spec.get("tls") else "80"
    cells = [_name(ing), spec.get("ingressClassName") or "<none>", hosts_str, _lb_status(_get(ing, "status", "loadBalancer")),
             ports, _age(ing, now)]
    return cells, None


INGRESS_COLUMNS = [
    NAME_COL,
    _col("Class", "string", ""),
    _col("Hosts", "string", ""),
    _col("Address", "string", ""),
    _col("Ports", "string", ""),
    AGE_COL,
]


def _print_ingressclass(ic, now):
    spec = ic.get("spec") or {}
    params = spec.get("parameters")
    p = "<none>"
    if params:
        p = params.get("kind", "")
        if params.get("apiGroup") is not None:
            p += "." + params["apiGroup"]
        p += "/" + params.get("name", "")
    return [_name(ic), spec.get("controller", ""), p, _age(ic, now)], None


INGRESSCLASS_COLUMNS = [
    NAME_COL,
    _col("Controller", "string", ""),
    _col("Parameters", "string", ""),
    AGE_COL,
]


def _print_pdb(pdb, now):
    spec = pdb.get("spec") or {}
    min_a = _int_or_string(spec["minAvailable"]) if spec.get("minAvailable") is not None else "N/A"
    max_u = _int_or_string(spec["maxUnavailable"]) if spec.get("maxUnavailable") is not None else "N/A"
    return [_name(pdb), min_a, max_u, _int(_get(pdb, "status", "disruptionsAllowed")), _age(pdb, now)], None


PDB_COLUMNS = [
    NAME_COL,
    _col("Min Available", "string", ""),
    _col("Max Unavailable", "string", ""),
    _col("Allowed Disruptions", "integer", ""),
    AGE_COL,
]


def _subjects(subjects):
    users, groups, sas = [], [], []
    for s in subjects or []:
        kind = s.get("kind")
        if kind == "ServiceAccount":
            sas.append(f"{s.get('namespace', '')}/{s.get('name', '')}")
        elif kind == "User":
            users.append(s.get("name", ""))
        elif kind == "Group":
            groups.append(s.get("name", ""))
    return ", ".join(users), ", ".join(groups), ", ".join(sas)


def _print_binding(rb, now):
    ref = rb.get("roleRef") or {}
    users, groups, sas = _subjects(rb.get("subjects"))
    return [_name(rb), f"{ref.get('kind', '')}/{ref.get('name', '')}", _age(rb, now), users, groups, sas], None


def _binding_columns(kind, what):
    return [
        NAME_COL,
        _col("Role", "string", f"{kind}.roleRef"),
        AGE_COL,
        _col("Users", "string", "", 1),
        _col("Groups", "string", "", 1),
        _col("ServiceAccounts", "string", "", 1),
    ]


def _print_csr(csr, now):
    spec, status = csr.get("spec") or {}, csr.get("status") or {}
    types = {c.get("type") for c in status.get("conditions") or []}
    state = "Denied" if "Denied" in types else ("Approved" if "Approved" in types else "Pending")
    if "Failed" in types:
        state += ",Failed"
    if status.get("certificate"):
        state += ",Issued"
    exp = spec.get("expirationSeconds")
    requested = "<none>" if exp is None else human_duration(_int(exp))
    return [_name(csr), _age(csr, now), spec.get("signerName") or "<none>", spec.get("username", ""), requested, state], None


CSR_COLUMNS = [
    NAME_COL,
    AGE_COL,
    _col("SignerName", "string", "CertificateSigningRequestSpec.signerName"),
    _col("Requestor", "string", "CertificateSigningRequestSpec.request"),
    _col("RequestedDuration", "string", "CertificateSigningRequestSpec.expirationSeconds"),
    _col("Condition", "string", "CertificateSigningRequestStatus.conditions"),
]


def _print_priorityclass(pc, now):
    return [_name(pc), _int(pc.get("value")), bool(pc.get("globalDefault")), _age(pc, now),
            pc.get("preemptionPolicy") or "PreemptLowerPriority"], None


PRIORITYCLASS_COLUMNS = [
    NAME_COL,
    _col("Value", "integer", "PriorityClass.value"),
    _col("Global-Default", "boolean", "PriorityClass.globalDefault"),
    AGE_COL,
    _col("PreemptionPolicy", "string", "PriorityClass.preemptionPolicy"),
]


def _print_event(ev, now):
    new_api = (ev.get("apiVersion") or "").startswith("events.k8s.io/")
    first_ts = ev.get("deprecatedFirstTimestamp") if new_api else ev.get("firstTimestamp")
    last_ts = ev.get("deprecatedLastTimestamp") if new_api else ev.get("lastTimestamp")
    count = _int(ev.get("deprecatedCount") if new_api else ev.get("count"))
    involved = (ev.get("regarding") if new_api else ev.get("involvedObject")) or {}
    source = (ev.get("deprecatedSource") if new_api else ev.get("source")) or {}
    message = (ev.get("note") if new_api else ev.get("message")) or ""
    first = _since(first_ts, now) if first_ts else _since(ev.get("eventTime"), now)
    last = _since(last_ts, now) if last_ts else first
    series = ev.get("series")
    if series:
        last = _since(series.get("lastObservedTime"), now)
        count = _int(series.get("count"))
    elif count == 0:
        count = 1
    kind = (involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    component = source.get("component") or ev.get("reportingController") or ""
    instance = source.get("host") or ev.get("reportingInstance") or ""
    src = component if not instance else f"{component}, {instance}"
    cells = [last, ev.get("type", ""), ev.get("reason", ""), target, involved.get("fieldPath", ""), src, message.strip(),
             first, count, _name(ev)]
    return cells, None


EVENT_COLUMNS = [
    _col("Last Seen", "string", ""),
    _col("Type", "string", ""),
    _col("Reason", "string", ""),
    _col("Object", "string", ""),
    _col("Subobject", "string", "", 1),
    _col("Source", "string", "", 1),
    _col("Message", "string", ""),
    _col("First Seen", "string", "", 1),
    _col("Count", "string", "", 1),
    ("Name", "string", "name", "ObjectMeta.name", 1),
]


def _print_apiservice(api, now):
    spec = api.get("spec") or {}
    svc = spec.get("service")
    service = "Local" if not svc else f"{svc.get('namespace', '')}/{svc.get('name', '')}"
    status = "Unknown"
    c = _condition(_get(api, "status", "conditions"), "Available")
    if c is not None:
        if c.get("status") == "True":
            status = "True"
        elif c.get("reason"):
            status = f"{c.get('status', '')} ({c['reason']})"
        else:
            status = c.get("status", "")
    return [_name(api), service, status, _age(api, now)], None


APISERVICE_COLUMNS = [
    NAME_COL,
    _col("Service", "string", ""),
    _col("Available", "string", ""),
    AGE_COL,
]


def _print_storageclass(sc, now):
    ann = _get(sc, "metadata", "annotations", default={}) or {}
    default = ann.get("storageclass.kubernetes.io/is-default-class") == "true" or \
        ann.get("storageclass.beta.kubernetes.io/is-default-class") == "true"
    name = _name(sc) + (" (default)" if default else "")
    return [name, sc.get("provisioner", ""), sc.get("reclaimPolicy") or "Delete", sc.get("volumeBindingMode") or "Immediate",
            bool(sc.get("allowVolumeExpansion")), _age(sc, now)], None


STORAGECLASS_COLUMNS = [
    NAME_COL,
    _col("Provisioner", "string", ""),
    _col("ReclaimPolicy", "string", ""),
    _col("VolumeBindingMode", "string", ""),
    _col("AllowVolumeExpansion", "string", ""),
    AGE_COL,
]


def _print_networkpolicy(np_, now):
    return [_name(np_), _format_label_selector(_get(np_, "spec", "podSelector", default={})), _age(np_, now)], None


NETWORKPOLICY_COLUMNS = [
    NAME_COL,
    _col("Pod-Selector", "string", ""),
    AGE_COL,
]


def _print_webhookconfig(wh, now):
    return [_name(wh), len(wh.get("webhooks") or []), _age(wh, now)], None


WEBHOOK_COLUMNS = [
    NAME_COL,
    _col("Webhooks", "integer", ""),
    AGE_COL,
]


def _print_runtimeclass(rc, now):
    return [_name(rc), rc.get("handler", ""), _age(rc, now)], None


RUNTIMECLASS_COLUMNS = [NAME_COL, _col("Handler", "string", ""), AGE_COL]


# (group, kind) → (columns, printer). Group "" is the core group.
PRINTERS = {
    ("", "Pod"): (POD_COLUMNS, _print_pod),
    ("", "Node"): (NODE_COLUMNS, _print_node),
    ("", "Namespace"): (NAMESPACE_COLUMNS, _print_namespace),
    ("", "Service"): (SERVICE_COLUMNS, _print_service),
    ("", "ConfigMap"): (CONFIGMAP_COLUMNS, _print_configmap),
    ("", "Secret"): (SECRET_COLUMNS, _print_secret),
    ("", "ServiceAccount"): (SERVICEACCOUNT_COLUMNS, _print_serviceaccount),
    ("", "Endpoints"): (ENDPOINTS_COLUMNS, _print_endpoints),
    ("", "ReplicationController"): (RC_COLUMNS, _print_replicationcontroller),
    ("", "Event"): (EVENT_COLUMNS, _print_event),
    ("events.k8s.io", "Event"): (EVENT_COLUMNS, _print_event),
    ("apps", "Deployment"): (DEPLOYMENT_COLUMNS, _print_deployment),
    ("apps", "ReplicaSet"): (REPLICASET_COLUMNS, _print_replicaset),
    ("apps", "DaemonSet"): (DAEMONSET_COLUMNS, _print_daemonset),
    ("apps", "StatefulSet"): (STATEFULSET_COLUMNS, _print_statefulset),
    ("batch", "Job"): (JOB_COLUMNS, _print_job),
    ("batch", "CronJob"): (CRONJOB_COLUMNS, _print_cronjob),
    ("coordination.k8s.io", "Lease"): (LEASE_COLUMNS, _print_lease),
    ("discovery.k8s.io", "EndpointSlice"): (ENDPOINTSLICE_COLUMNS, _print_endpointslice),
    ("networking.k8s.io", "Ingress"): (INGRESS_COLUMNS, _print_ingress),
    ("networking.k8s.io", "IngressClass"): (INGRESSCLASS_COLUMNS, _print_ingressclass),
    ("networking.k8s.io", "NetworkPolicy"): (NETWORKPOLICY_COLUMNS, _print_networkpolicy),
    ("policy", "PodDisruptionBudget"): (PDB_COLUMNS, _print_pdb),
    ("rbac.authorization.k8s.io", "RoleBinding"): (_binding_columns("RoleBinding", "roleBinding"), _print_binding),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): (_binding_columns("ClusterRoleBinding", "clusterRoleBinding"), _print_binding),
    ("certificates.k8s.io", "CertificateSigningRequest"): (CSR_COLUMNS, _print_csr),
    ("scheduling.k8s.io", "PriorityClass"): (PRIORITYCLASS_COLUMNS, _print_priorityclass),
    ("storage.k8s.io", "StorageClass"): (STORAGECLASS_COLUMNS, _print_storageclass),
    ("node.k8s.io", "RuntimeClass"): (RUNTIMECLASS_COLUMNS, _print_runtimeclass),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"): (WEBHOOK_COLUMNS, _print_webhookconfig),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"): (WEBHOOK_COLUMNS, _print_webhookconfig),
    ("apiregistration.k8s.io", "APIService"): (APISERVICE_COLUMNS, _print_apiservice),
}

# Built-in kinds served by the generic convertor (no printer): NAME, CREATED AT (a "date" column, RFC 3339 cells).
DEFAULT_CONVERTOR_KINDS = {
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("", "LimitRange"),
}
DEFAULT_CONVERTOR_COLUMNS = [NAME_COL, ("Created At", "date", "", "ObjectMeta.creationTimestamp", 0)]


def _print_default(obj, now):
    return [_name(obj), _rfc3339_utc(_get(obj, "metadata", "creationTimestamp"))], None

# ---------------------------------------------------------------------------------------------------- custom resources

_SEGMENT = re.compile(r"""\.([A-Za-z0-9_\-$/]+(?:\\\.[A-Za-z0-9_\-$/]*)*)|\[(-?\d+)\]|\[['"]([^'"]*)['"]\]""")


def _json_path(obj, path):
    """A simple JSONPath (`.a.b`, `.a[0].b`, `.a['x.y']`, `.a.x\\.y`) → (found, value)."""
    path = path.strip()
    if path.startswith("{") and path.endswith("}"):
        path = path[1:-1].strip()
    if path.startswith("$"):
        path = path[1:]
    pos, cur = 0, obj
    while pos < len(path):
        m = _SEGMENT.match(path, pos)
        if not m:
            return False, None
        pos = m.end()
        if m.group(1) is not None or m.group(3) is not None:
            key = m.group(1).replace("\\.", ".") if m.group(1) is not None else m.group(3)
            if not isinstance(cur, dict) or key not in cur:
                return False, None
            cur = cur[key]
        else:
            idx = int(m.group(2))
            if not isinstance(cur, list) or not -len(cur) <= idx < len(cur):
                return False, None
            cur = cur[idx]
    return True, cur


def _go_json(value):
    """Go's json.Marshal of an unstructured value (sorted keys, compact, HTML-escaped)."""
    s = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _go_text(value):
    """jsonpath PrintResults of one value: JSON for maps and lists, fmt.Sprint otherwise."""
    if isinstance(value, (dict, list)):
        return _go_json(value)
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    return str(value)


def _cr_cell(column, obj, now):
    found, value = _json_path(obj, column.get("jsonPath") or column.get("JSONPath") or "")
    if not found:
        return None
    typ = column.get("type", "")
    if typ == "string":
        return _go_text(value)
    if value is None:
        return None
    if typ == "integer":
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return int(value)
        return None
    if typ == "number":
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return float(value) if isinstance(value, int) else value
        return None
    if typ == "boolean":
        return value if isinstance(value, bool) else None
    if typ == "date":
        if not isinstance(value, str):
            return None
        try:
            t = _parse_time(value)
        except ValueError:
            return "<invalid>"
        return "<unknown>" if t is None else human_duration(now - t)
    return None


def _cr_columns(printer_columns):
    cols = [NAME_COL]
    for c in printer_columns:
        path = c.get("jsonPath") or c.get("JSONPath") or ""
        desc = c.get("description") or f"{c.get('name', '')}: {path}"
        cols.append((c.get("name", ""), c.get("type", ""), c.get("format", "") or "", desc, _int(c.get("priority"))))
    return cols


CR_DEFAULT_PRINTER_COLUMNS = [{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp",
                               "description": "Age: from ObjectMeta.creationTimestamp"}]

# ---------------------------------------------------------------------------------------------------- Table

def _group(api_version):
    if not api_version or "/" not in api_version:
        return ""
    return api_version.split("/", 1)[0]


def _row_object(obj, include_object):
    if include_object == "None":
        return None
    if include_object == "Object":
        return obj
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": copy.deepcopy(obj.get("metadata") or {})}


def to_table(obj, include_object="Metadata", now=None, printer_columns=None):
    """The Table kube-apiserver answers for obj (a list, kind "...List" with items, or a single object).

    include_object: the includeObject query parameter: "None" (rows carry `"object": null`, as the real server's
    JSON does), "Metadata" (default: a PartialObjectMetadata) or "Object" (the whole object).
    printer_columns: for a custom resource, its CRD version's additionalPrinterColumns (None: not a CR, or no
    columns known; an empty list gets the CRD default, a single AGE column).
    """
    now = time.time() if now is None else now
    kind = obj.get("kind") or ""
    api_version = obj.get("apiVersion") or ""
    is_list = kind.endswith("List") and isinstance(obj.get("items"), list)
    if is_list:
        item_kind = kind[: -len("List")]
        items = []
        for it in obj["items"]:
            it = dict(it)  # the real server's items always carry their kind and apiVersion
            it.setdefault("kind", item_kind)
            it.setdefault("apiVersion", api_version)
            items.append(it)
    else:
        item_kind = kind
        items = [obj]
    group = _group(api_version)

    if printer_columns is not None:
        columns = _cr_columns(printer_columns or CR_DEFAULT_PRINTER_COLUMNS)
        specs = printer_columns or CR_DEFAULT_PRINTER_COLUMNS

        def printer(o, t):
            return [_name(o)] + [_cr_cell(c, o, t) for c in specs], None
    elif (group, item_kind) in PRINTERS:
        columns, printer = PRINTERS[(group, item_kind)]
    elif not api_version and any(k == item_kind for _, k in PRINTERS):
        columns, printer = next(v for (g, k), v in PRINTERS.items() if k == item_kind)
    elif (group, item_kind) in DEFAULT_CONVERTOR_KINDS:
        columns, printer = DEFAULT_CONVERTOR_COLUMNS, _print_default
    else:  # a custom resource whose printer columns the caller did not pass: the CRD default (AGE)
        columns = _cr_columns(CR_DEFAULT_PRINTER_COLUMNS)

        def printer(o, t):
            return [_name(o), _cr_cell(CR_DEFAULT_PRINTER_COLUMNS[0], o, t)], None

    rows = []
    for it in items:
        cells, conditions = printer(it, now)
        row = {"cells": cells}
        if conditions:
            row["conditions"] = conditions
        row["object"] = _row_object(it, include_object)
        rows.append(row)

    meta = {}
    src_meta = obj.get("metadata") or {}
    if src_meta.get("resourceVersion"):
        meta["resourceVersion"] = src_meta["resourceVersion"]
    if is_list:
        if src_meta.get("continue"):
            meta["continue"] = src_meta["continue"]
        if src_meta.get("remainingItemCount") is not None:
            meta["remainingItemCount"] = src_meta["remainingItemCount"]
    return {
        "kind": "Table",
        "apiVersion": TABLE_API_VERSION,
        "metadata": meta,
        "columnDefinitions": [_column_json(c) for c in columns],
        "rows": rows,
    }
