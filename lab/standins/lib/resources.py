# LAB STAND-IN: the API kinds the API server stand-in serves (what an install applies), as discovery
# would list them: (group, version, plural, kind, namespaced). CustomResourceDefinitions add to it.
BUILTIN = [
    ("", "v1", "namespaces", "Namespace", False),
    ("", "v1", "nodes", "Node", False),
    ("", "v1", "pods", "Pod", True),
    ("", "v1", "services", "Service", True),
    ("", "v1", "endpoints", "Endpoints", True),
    ("", "v1", "configmaps", "ConfigMap", True),
    ("", "v1", "secrets", "Secret", True),
    ("", "v1", "serviceaccounts", "ServiceAccount", True),
    ("apps", "v1", "deployments", "Deployment", True),
    ("apps", "v1", "daemonsets", "DaemonSet", True),
    ("apps", "v1", "statefulsets", "StatefulSet", True),
    ("apps", "v1", "replicasets", "ReplicaSet", True),
    ("batch", "v1", "jobs", "Job", True),
    ("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
    ("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False),
    ("rbac.authorization.k8s.io", "v1", "roles", "Role", True),
    ("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True),
    ("coordination.k8s.io", "v1", "leases", "Lease", True),
    ("certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", False),
    ("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False),
    ("authentication.k8s.io", "v1", "tokenreviews", "TokenReview", False),
    ("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", False),
    ("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True),
    ("networking.k8s.io", "v1", "ingresses", "Ingress", True),
    ("networking.k8s.io", "v1", "ingressclasses", "IngressClass", False),
    ("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True),
    ("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", False),
    ("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", False),
    ("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", False),
]


def from_crd(crd):
    spec = crd.get("spec", {})
    return [(spec["group"], v["name"], spec["names"]["plural"], spec["names"]["kind"], spec.get("scope") == "Namespaced")
            for v in spec.get("versions", []) if v.get("served", True)]


def storage_key(group, plural, namespace, name=""):
    scope = f"{namespace}/" if namespace else ""
    return f"/registry/{group + '/' if group else ''}{plural}/{scope}{name}"


# kube's short names and categories of the built-in kinds (discovery lists them: `kubectl get ns`, `get all`)
SHORT_NAMES = {
    ("", "namespaces"): ["ns"], ("", "nodes"): ["no"], ("", "pods"): ["po"], ("", "services"): ["svc"], ("", "endpoints"): ["ep"],
    ("", "configmaps"): ["cm"], ("", "serviceaccounts"): ["sa"], ("apps", "deployments"): ["deploy"], ("apps", "daemonsets"): ["ds"],
    ("apps", "statefulsets"): ["sts"], ("apps", "replicasets"): ["rs"], ("certificates.k8s.io", "certificatesigningrequests"): ["csr"],
    ("apiextensions.k8s.io", "customresourcedefinitions"): ["crd", "crds"], ("policy", "poddisruptionbudgets"): ["pdb"],
    ("networking.k8s.io", "ingresses"): ["ing"], ("scheduling.k8s.io", "priorityclasses"): ["pc"],
}
CATEGORIES = {("", "pods"): ["all"], ("", "services"): ["all"], ("apps", "deployments"): ["all"], ("apps", "daemonsets"): ["all"],
              ("apps", "statefulsets"): ["all"], ("apps", "replicasets"): ["all"], ("batch", "jobs"): ["all"]}


def crd_names(crd):
    """(group, plural) → (shortNames, categories) of a CustomResourceDefinition."""
    names = crd.get("spec", {}).get("names", {})
    return (crd["spec"]["group"], names.get("plural")), (names.get("shortNames") or [], names.get("categories") or [])
