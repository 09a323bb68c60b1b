# LAB STAND-IN: the Kubernetes protobuf messages the API server stand-in decodes, written down for it:
# the kinds kubectl 1.37 sends as protobuf to what the lab serves (`create token`, `create namespace`,
# `create configmap|secret|serviceaccount|deployment|service|job|cronjob|priorityclass|role|clusterrole|
# rolebinding|clusterrolebinding|poddisruptionbudget|quota|ingress`, `auth can-i`, an Eviction). Only these: any
# other kind is refused with 415 and a message naming it, and a field a message here lacks (a pod's volumes,
# probes, securityContext, affinity, ...: never set by those commands) is refused too, never dropped.
# Go's protobuf marshaller writes every non-pointer field, zero or not, so each message lists all of those.
# Field numbers are Kubernetes' wire format (the proto tags of the API types); each field also carries how
# Go's encoding/json shows it, which the wire does not say:
#   o  omitempty: "", 0, false, empty list/map not shown       n  nil when absent (pointer, slice, map)
#   z  omitzero: a zero struct not shown                        p  a pointer: a present zero value is shown
#   i  an embedded struct (json:""): its fields are shown as the parent's
#   ""  always shown, its zero value when absent
# A field is (number, json name, type, flags); a type is a scalar, "[]T" (repeated), "map[K]V" or a message.

META = "meta.v1"

MESSAGES = {
    # k8s.io/apimachinery meta/v1 (Time, MicroTime and FieldsV1 have their own JSON: see k8s_protobuf._special)
    "meta.v1.ObjectMeta": [
        (1, "name", "string", "o"), (2, "generateName", "string", "o"), (3, "namespace", "string", "o"),
        (4, "selfLink", "string", "o"), (5, "uid", "string", "o"), (6, "resourceVersion", "string", "o"),
        (7, "generation", "int64", "o"), (8, "creationTimestamp", "meta.v1.Time", "oz"),
        (9, "deletionTimestamp", "meta.v1.Time", "opn"), (10, "deletionGracePeriodSeconds", "int64", "opn"),
        (11, "labels", "map[string]string", "on"), (12, "annotations", "map[string]string", "on"),
        (13, "ownerReferences", "[]meta.v1.OwnerReference", "on"), (14, "finalizers", "[]string", "on"),
        (17, "managedFields", "[]meta.v1.ManagedFieldsEntry", "on"),
    ],
    "meta.v1.OwnerReference": [
        (5, "apiVersion", "string", ""), (1, "kind", "string", ""), (3, "name", "string", ""), (4, "uid", "string", ""),
        (6, "controller", "bool", "opn"), (7, "blockOwnerDeletion", "bool", "opn"),
    ],
    "meta.v1.ManagedFieldsEntry": [
        (1, "manager", "string", "o"), (2, "operation", "string", "o"), (3, "apiVersion", "string", "o"),
        (4, "time", "meta.v1.Time", "opn"), (6, "fieldsType", "string", "o"), (7, "fieldsV1", "meta.v1.FieldsV1", "opn"),
        (8, "subresource", "string", "o"),
    ],
    "meta.v1.DeleteOptions": [
        (1, "gracePeriodSeconds", "int64", "opn"), (2, "preconditions", "meta.v1.Preconditions", "opn"),
        (3, "orphanDependents", "bool", "opn"), (4, "propagationPolicy", "string", "opn"), (5, "dryRun", "[]string", "on"),
        (6, "ignoreStoreReadErrorWithClusterBreakingPotential", "bool", "opn"),
    ],
    "meta.v1.Preconditions": [(1, "uid", "string", "opn"), (2, "resourceVersion", "string", "opn")],
    "meta.v1.FieldSelectorRequirement": [(1, "key", "string", ""), (2, "operator", "string", ""), (3, "values", "[]string", "on")],
    "meta.v1.LabelSelectorRequirement": [(1, "key", "string", ""), (2, "operator", "string", ""), (3, "values", "[]string", "on")],
    "meta.v1.LabelSelector": [
        (1, "matchLabels", "map[string]string", "on"), (2, "matchExpressions", "[]meta.v1.LabelSelectorRequirement", "on"),
    ],
    "meta.v1.Condition": [
        (1, "type", "string", ""), (2, "status", "string", ""), (3, "observedGeneration", "int64", "o"),
        (4, "lastTransitionTime", "meta.v1.Time", ""), (5, "reason", "string", ""), (6, "message", "string", ""),
    ],
    # core/v1
    "core.v1.Namespace": [(1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "spec", "core.v1.NamespaceSpec", "o"), (3, "status", "core.v1.NamespaceStatus", "o")],
    "core.v1.NamespaceSpec": [(1, "finalizers", "[]string", "on")],
    "core.v1.NamespaceStatus": [(1, "phase", "string", "o"), (2, "conditions", "[]core.v1.NamespaceCondition", "on")],
    "core.v1.NamespaceCondition": [
        (1, "type", "string", ""), (2, "status", "string", ""), (4, "lastTransitionTime", "meta.v1.Time", "o"),
        (5, "reason", "string", "o"), (6, "message", "string", "o"),
    ],
    "core.v1.ConfigMap": [
        (1, "metadata", "meta.v1.ObjectMeta", "o"), (4, "immutable", "bool", "opn"), (2, "data", "map[string]string", "on"),
        (3, "binaryData", "map[string]bytes", "on"),
    ],
    "core.v1.Secret": [
        (1, "metadata", "meta.v1.ObjectMeta", "o"), (5, "immutable", "bool", "opn"), (2, "data", "map[string]bytes", "on"),
        (4, "stringData", "map[string]string", "on"), (3, "type", "string", "o"),
    ],
    "core.v1.ServiceAccount": [
        (1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "secrets", "[]core.v1.ObjectReference", "on"),
        (3, "imagePullSecrets", "[]core.v1.LocalObjectReference", "on"), (4, "automountServiceAccountToken", "bool", "opn"),
    ],
    "core.v1.ObjectReference": [
        (1, "kind", "string", "o"), (2, "namespace", "string", "o"), (3, "name", "string", "o"), (4, "uid", "string", "o"),
        (5, "apiVersion", "string", "o"), (6, "resourceVersion", "string", "o"), (7, "fieldPath", "string", "o"),
    ],
    "core.v1.LocalObjectReference": [(1, "name", "string", "o")],
    "core.v1.PodTemplateSpec": [(1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "spec", "core.v1.PodSpec", "o")],
    "core.v1.PodSpec": [
        (20, "initContainers", "[]core.v1.Container", "on"), (2, "containers", "[]core.v1.Container", "n"),
        (3, "restartPolicy", "string", "o"), (4, "terminationGracePeriodSeconds", "int64", "opn"),
        (5, "activeDeadlineSeconds", "int64", "opn"), (6, "dnsPolicy", "string", "o"),
        (7, "nodeSelector", "map[string]string", "on"), (8, "serviceAccountName", "string", "o"),
        (9, "serviceAccount", "string", "o"), (21, "automountServiceAccountToken", "bool", "opn"),
        (10, "nodeName", "string", "o"), (11, "hostNetwork", "bool", "o"), (12, "hostPID", "bool", "o"),
        (13, "hostIPC", "bool", "o"), (27, "shareProcessNamespace", "bool", "opn"),
        (15, "imagePullSecrets", "[]core.v1.LocalObjectReference", "on"), (16, "hostname", "string", "o"),
        (17, "subdomain", "string", "o"), (19, "schedulerName", "string", "o"),
        (22, "tolerations", "[]core.v1.Toleration", "on"), (24, "priorityClassName", "string", "o"),
        (25, "priority", "int32", "opn"), (29, "runtimeClassName", "string", "opn"),
        (30, "enableServiceLinks", "bool", "opn"), (31, "preemptionPolicy", "string", "opn"),
        (32, "overhead", "map[string]resource.Quantity", "o"), (35, "setHostnameAsFQDN", "bool", "opn"),
        (37, "hostUsers", "bool", "opn"), (40, "resources", "core.v1.ResourceRequirements", "opn"),
        (41, "hostnameOverride", "string", "opn"),
    ],
    "core.v1.Container": [
        (1, "name", "string", ""), (2, "image", "string", "o"), (3, "command", "[]string", "on"),
        (4, "args", "[]string", "on"), (5, "workingDir", "string", "o"), (6, "ports", "[]core.v1.ContainerPort", "on"),
        (7, "env", "[]core.v1.EnvVar", "on"), (8, "resources", "core.v1.ResourceRequirements", "o"),
        (24, "restartPolicy", "string", "opn"), (9, "volumeMounts", "[]core.v1.VolumeMount", "on"),
        (13, "terminationMessagePath", "string", "o"), (20, "terminationMessagePolicy", "string", "o"),
        (14, "imagePullPolicy", "string", "o"), (16, "stdin", "bool", "o"), (17, "stdinOnce", "bool", "o"),
        (18, "tty", "bool", "o"),
    ],
    "core.v1.ContainerPort": [
        (1, "name", "string", "o"), (2, "hostPort", "int32", "o"), (3, "containerPort", "int32", ""),
        (4, "protocol", "string", "o"), (5, "hostIP", "string", "o"),
    ],
    "core.v1.EnvVar": [(1, "name", "string", ""), (2, "value", "string", "o")],
    "core.v1.ResourceRequirements": [
        (1, "limits", "map[string]resource.Quantity", "o"), (2, "requests", "map[string]resource.Quantity", "o"),
    ],
    "core.v1.VolumeMount": [
        (1, "name", "string", ""), (2, "readOnly", "bool", "o"), (7, "recursiveReadOnly", "string", "opn"),
        (3, "mountPath", "string", ""), (4, "subPath", "string", "o"), (5, "mountPropagation", "string", "opn"),
        (6, "subPathExpr", "string", "o"), (8, "bindMountOptions", "[]string", "on"),
    ],
    "core.v1.Toleration": [
        (1, "key", "string", "o"), (2, "operator", "string", "o"), (3, "value", "string", "o"), (4, "effect", "string", "o"),
        (5, "tolerationSeconds", "int64", "opn"),
    ],
    "core.v1.Service": [
        (1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "spec", "core.v1.ServiceSpec", "o"),
        (3, "status", "core.v1.ServiceStatus", "o"),
    ],
    "core.v1.ServiceSpec": [
        (1, "ports", "[]core.v1.ServicePort", "on"), (2, "selector", "map[string]string", "on"),
        (3, "clusterIP", "string", "o"), (18, "clusterIPs", "[]string", "on"), (4, "type", "string", "o"),
        (5, "externalIPs", "[]string", "on"), (7, "sessionAffinity", "string", "o"), (8, "loadBalancerIP", "string", "o"),
        (9, "loadBalancerSourceRanges", "[]string", "on"), (10, "externalName", "string", "o"),
        (11, "externalTrafficPolicy", "string", "o"), (12, "healthCheckNodePort", "int32", "o"),
        (13, "publishNotReadyAddresses", "bool", "o"), (19, "ipFamilies", "[]string", "on"),
        (17, "ipFamilyPolicy", "string", "opn"), (20, "allocateLoadBalancerNodePorts", "bool", "opn"),
        (21, "loadBalancerClass", "string", "opn"), (22, "internalTrafficPolicy", "string", "opn"),
        (23, "trafficDistribution", "string", "opn"),
    ],
    "core.v1.ServicePort": [
        (1, "name", "string", "o"), (2, "protocol", "string", "o"), (6, "appProtocol", "string", "opn"),
        (3, "port", "int32", ""), (4, "targetPort", "intstr.IntOrString", "o"), (5, "nodePort", "int32", "o"),
    ],
    "core.v1.ServiceStatus": [
        (1, "loadBalancer", "core.v1.LoadBalancerStatus", "o"), (2, "conditions", "[]meta.v1.Condition", "on"),
    ],
    "core.v1.LoadBalancerStatus": [(1, "ingress", "[]core.v1.LoadBalancerIngress", "on")],
    "core.v1.LoadBalancerIngress": [
        (1, "ip", "string", "o"), (2, "hostname", "string", "o"), (3, "ipMode", "string", "opn"),
        (4, "ports", "[]core.v1.PortStatus", "on"),
    ],
    "core.v1.PortStatus": [(1, "port", "int32", ""), (2, "protocol", "string", ""), (3, "error", "string", "opn")],
    "core.v1.ResourceQuota": [
        (1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "spec", "core.v1.ResourceQuotaSpec", "o"),
        (3, "status", "core.v1.ResourceQuotaStatus", "o"),
    ],
    "core.v1.ResourceQuotaSpec": [
        (1, "hard", "map[string]resource.Quantity", "o"), (2, "scopes", "[]string", "on"),
        (3, "scopeSelector", "core.v1.ScopeSelector", "opn"),
    ],
    "core.v1.ScopeSelector": [(1, "matchExpressions", "[]core.v1.ScopedResourceSelectorRequirement", "on")],
    "core.v1.ScopedResourceSelectorRequirement": [
        (1, "scopeName", "string", ""), (2, "operator", "string", ""), (3, "values", "[]string", "on"),
    ],
    "core.v1.ResourceQuotaStatus": [
        (1, "hard", "map[string]resource.Quantity", "o"), (2, "used", "map[string]resource.Quantity", "o"),
    ],
    "core.v1.TypedLocalObjectReference": [
        (1, "apiGroup", "string", "pn"), (2, "kind", "string", ""), (3, "name", "string", ""),
    ],
    # authentication.k8s.io/v1 (kubectl create token)
    "authentication.v1.TokenRequest": [
        (1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "spec", "authentication.v1.TokenRequestSpec", ""),
        (3, "status", "authentication.v1.TokenRequestStatus", "o"),
    ],
    "authentication.v1.TokenRequestSpec": [
        (1, "audiences", "[]string", "n"), (4, "expirationSeconds", "int64", "pn"),
        (3, "boundObjectRef", "authentication.v1.BoundObjectReference", "pn"),
    ],
    "authentication.v1.BoundObjectReference": [(1, "kind", "string", "o"), (2, "apiVersion", "string", "o"), (3, "name", "string", "o"), (4, "uid", "string", "o")],
    "authentication.v1.TokenRequestStatus": [(1, "token", "string", ""), (2, "expirationTimestamp", "meta.v1.Time", "")],
    # authorization.k8s.io/v1 (kubectl auth can-i)
    "authorization.v1.SelfSubjectAccessReview": [
        (1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "spec", "authorization.v1.SelfSubjectAccessReviewSpec", ""),
        (3, "status", "authorization.v1.SubjectAccessReviewStatus", "o"),
    ],
    "authorization.v1.SelfSubjectAccessReviewSpec": [
        (1, "resourceAttributes", "authorization.v1.ResourceAttributes", "opn"),
        (2, "nonResourceAttributes", "authorization.v1.NonResourceAttributes", "opn"),
    ],
    "authorization.v1.ResourceAttributes": [
        (1, "namespace", "string", "o"), (2, "verb", "string", "o"), (3, "group", "string", "o"), (4, "version", "string", "o"),
        (5, "resource", "string", "o"), (6, "subresource", "string", "o"), (7, "name", "string", "o"),
        (8, "fieldSelector", "authorization.v1.FieldSelectorAttributes", "opn"),
        (9, "labelSelector", "authorization.v1.LabelSelectorAttributes", "opn"),
    ],
    "authorization.v1.FieldSelectorAttributes": [(1, "rawSelector", "string", "o"), (2, "requirements", "[]meta.v1.FieldSelectorRequirement", "on")],
    "authorization.v1.LabelSelectorAttributes": [(1, "rawSelector", "string", "o"), (2, "requirements", "[]meta.v1.LabelSelectorRequirement", "on")],
    "authorization.v1.NonResourceAttributes": [(1, "path", "string", "o"), (2, "verb", "string", "o")],
    "authorization.v1.SubjectAccessReviewStatus": [
        (1, "allowed", "bool", ""), (4, "denied", "bool", "o"), (2, "reason", "string", "o"), (3, "evaluationError", "string", "o"),
    ],
    # policy/v1 (an Eviction; kubectl 1.37's drain sends it as JSON, other clients as protobuf)
    "policy.v1.Eviction": [(1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "deleteOptions", "meta.v1.DeleteOptions", "opn")],
    "policy.v1.PodDisruptionBudget": [
        (1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "spec", "policy.v1.PodDisruptionBudgetSpec", "o"),
        (3, "status", "policy.v1.PodDisruptionBudgetStatus", "o"),
    ],
    "policy.v1.PodDisruptionBudgetSpec": [
        (1, "minAvailable", "intstr.IntOrString", "opn"), (2, "selector", "meta.v1.LabelSelector", "opn"),
        (3, "maxUnavailable", "intstr.IntOrString", "opn"), (4, "unhealthyPodEvictionPolicy", "string", "opn"),
    ],
    "policy.v1.PodDisruptionBudgetStatus": [
        (1, "observedGeneration", "int64", "o"), (2, "disruptedPods", "map[string]meta.v1.Time", "on"),
        (3, "disruptionsAllowed", "int32", ""), (4, "currentHealthy", "int32", ""), (5, "desiredHealthy", "int32", ""),
        (6, "expectedPods", "int32", ""), (7, "conditions", "[]meta.v1.Condition", "on"),
    ],
    # apps/v1 (kubectl create deployment)
    "apps.v1.Deployment": [
        (1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "spec", "apps.v1.DeploymentSpec", "o"),
        (3, "status", "apps.v1.DeploymentStatus", "o"),
    ],
    "apps.v1.DeploymentSpec": [
        (1, "replicas", "int32", "opn"), (2, "selector", "meta.v1.LabelSelector", "pn"),
        (3, "template", "core.v1.PodTemplateSpec", ""), (4, "strategy", "apps.v1.DeploymentStrategy", "o"),
        (5, "minReadySeconds", "int32", "o"), (6, "revisionHistoryLimit", "int32", "opn"), (7, "paused", "bool", "o"),
        (9, "progressDeadlineSeconds", "int32", "opn"),
    ],
    "apps.v1.DeploymentStrategy": [
        (1, "type", "string", "o"), (2, "rollingUpdate", "apps.v1.RollingUpdateDeployment", "opn"),
    ],
    "apps.v1.RollingUpdateDeployment": [
        (1, "maxUnavailable", "intstr.IntOrString", "opn"), (2, "maxSurge", "intstr.IntOrString", "opn"),
    ],
    "apps.v1.DeploymentStatus": [
        (1, "observedGeneration", "int64", "o"), (2, "replicas", "int32", "o"), (3, "updatedReplicas", "int32", "o"),
        (7, "readyReplicas", "int32", "o"), (4, "availableReplicas", "int32", "o"), (5, "unavailableReplicas", "int32", "o"),
        (9, "terminatingReplicas", "int32", "opn"), (6, "conditions", "[]apps.v1.DeploymentCondition", "on"),
        (8, "collisionCount", "int32", "opn"),
    ],
    "apps.v1.DeploymentCondition": [
        (1, "type", "string", ""), (2, "status", "string", ""), (6, "lastUpdateTime", "meta.v1.Time", "o"),
        (7, "lastTransitionTime", "meta.v1.Time", "o"), (4, "reason", "string", "o"), (5, "message", "string", "o"),
    ],
    # batch/v1 (kubectl create job|cronjob)
    "batch.v1.Job": [
        (1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "spec", "batch.v1.JobSpec", "o"),
        (3, "status", "batch.v1.JobStatus", "o"),
    ],
    "batch.v1.JobSpec": [
        (1, "parallelism", "int32", "opn"), (2, "completions", "int32", "opn"), (3, "activeDeadlineSeconds", "int64", "opn"),
        (7, "backoffLimit", "int32", "opn"), (12, "backoffLimitPerIndex", "int32", "opn"),
        (13, "maxFailedIndexes", "int32", "opn"), (4, "selector", "meta.v1.LabelSelector", "opn"),
        (5, "manualSelector", "bool", "opn"), (6, "template", "core.v1.PodTemplateSpec", ""),
        (8, "ttlSecondsAfterFinished", "int32", "opn"), (9, "completionMode", "string", "opn"),
        (10, "suspend", "bool", "opn"), (14, "podReplacementPolicy", "string", "opn"), (15, "managedBy", "string", "opn"),
    ],
    "batch.v1.JobStatus": [
        (1, "conditions", "[]batch.v1.JobCondition", "on"), (2, "startTime", "meta.v1.Time", "opn"),
        (3, "completionTime", "meta.v1.Time", "opn"), (4, "active", "int32", "o"), (5, "succeeded", "int32", "o"),
        (6, "failed", "int32", "o"), (11, "terminating", "int32", "opn"), (7, "completedIndexes", "string", "o"),
        (10, "failedIndexes", "string", "opn"), (9, "ready", "int32", "opn"),
    ],
    "batch.v1.JobCondition": [
        (1, "type", "string", ""), (2, "status", "string", ""), (3, "lastProbeTime", "meta.v1.Time", "o"),
        (4, "lastTransitionTime", "meta.v1.Time", "o"), (5, "reason", "string", "o"), (6, "message", "string", "o"),
    ],
    "batch.v1.CronJob": [
        (1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "spec", "batch.v1.CronJobSpec", "o"),
        (3, "status", "batch.v1.CronJobStatus", "o"),
    ],
    "batch.v1.CronJobSpec": [
        (1, "schedule", "string", ""), (8, "timeZone", "string", "opn"), (2, "startingDeadlineSeconds", "int64", "opn"),
        (3, "concurrencyPolicy", "string", "o"), (4, "suspend", "bool", "opn"),
        (5, "jobTemplate", "batch.v1.JobTemplateSpec", ""), (6, "successfulJobsHistoryLimit", "int32", "opn"),
        (7, "failedJobsHistoryLimit", "int32", "opn"),
    ],
    "batch.v1.JobTemplateSpec": [(1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "spec", "batch.v1.JobSpec", "o")],
    "batch.v1.CronJobStatus": [
        (1, "active", "[]core.v1.ObjectReference", "on"), (4, "lastScheduleTime", "meta.v1.Time", "opn"),
        (5, "lastSuccessfulTime", "meta.v1.Time", "opn"),
    ],
    # scheduling.k8s.io/v1 (kubectl create priorityclass)
    "scheduling.v1.PriorityClass": [
        (1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "value", "int32", ""), (3, "globalDefault", "bool", "o"),
        (4, "description", "string", "o"), (5, "preemptionPolicy", "string", "opn"),
    ],
    # rbac.authorization.k8s.io/v1 (kubectl create role|clusterrole|rolebinding|clusterrolebinding)
    "rbac.v1.Role": [(1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "rules", "[]rbac.v1.PolicyRule", "n")],
    "rbac.v1.PolicyRule": [
        (1, "verbs", "[]string", "n"), (2, "apiGroups", "[]string", "on"), (3, "resources", "[]string", "on"),
        (4, "resourceNames", "[]string", "on"), (5, "nonResourceURLs", "[]string", "on"),
    ],
    "rbac.v1.ClusterRole": [
        (1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "rules", "[]rbac.v1.PolicyRule", "n"),
        (3, "aggregationRule", "rbac.v1.AggregationRule", "opn"),
    ],
    "rbac.v1.AggregationRule": [(1, "clusterRoleSelectors", "[]meta.v1.LabelSelector", "on")],
    "rbac.v1.RoleBinding": [
        (1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "subjects", "[]rbac.v1.Subject", "on"),
        (3, "roleRef", "rbac.v1.RoleRef", ""),
    ],
    "rbac.v1.Subject": [
        (1, "kind", "string", ""), (2, "apiGroup", "string", "o"), (3, "name", "string", ""),
        (4, "namespace", "string", "o"),
    ],
    "rbac.v1.RoleRef": [(1, "apiGroup", "string", ""), (2, "kind", "string", ""), (3, "name", "string", "")],
    "rbac.v1.ClusterRoleBinding": [
        (1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "subjects", "[]rbac.v1.Subject", "on"),
        (3, "roleRef", "rbac.v1.RoleRef", ""),
    ],
    # networking.k8s.io/v1 (kubectl create ingress)
    "networking.v1.Ingress": [
        (1, "metadata", "meta.v1.ObjectMeta", "o"), (2, "spec", "networking.v1.IngressSpec", "o"),
        (3, "status", "networking.v1.IngressStatus", "o"),
    ],
    "networking.v1.IngressSpec": [
        (4, "ingressClassName", "string", "opn"), (1, "defaultBackend", "networking.v1.IngressBackend", "opn"),
        (2, "tls", "[]networking.v1.IngressTLS", "on"), (3, "rules", "[]networking.v1.IngressRule", "on"),
    ],
    "networking.v1.IngressBackend": [
        (4, "service", "networking.v1.IngressServiceBackend", "opn"),
        (3, "resource", "core.v1.TypedLocalObjectReference", "opn"),
    ],
    "networking.v1.IngressServiceBackend": [(1, "name", "string", ""), (2, "port", "networking.v1.ServiceBackendPort", "o")],
    "networking.v1.ServiceBackendPort": [(1, "name", "string", "o"), (2, "number", "int32", "o")],
    "networking.v1.IngressTLS": [(1, "hosts", "[]string", "on"), (2, "secretName", "string", "o")],
    "networking.v1.IngressRule": [(1, "host", "string", "o"), (2, "", "networking.v1.IngressRuleValue", "i")],
    "networking.v1.IngressRuleValue": [(1, "http", "networking.v1.HTTPIngressRuleValue", "opn")],
    "networking.v1.HTTPIngressRuleValue": [(1, "paths", "[]networking.v1.HTTPIngressPath", "n")],
    "networking.v1.HTTPIngressPath": [
        (1, "path", "string", "o"), (3, "pathType", "string", "pn"), (2, "backend", "networking.v1.IngressBackend", ""),
    ],
    "networking.v1.IngressStatus": [(1, "loadBalancer", "networking.v1.IngressLoadBalancerStatus", "o")],
    "networking.v1.IngressLoadBalancerStatus": [(1, "ingress", "[]networking.v1.IngressLoadBalancerIngress", "on")],
    "networking.v1.IngressLoadBalancerIngress": [
        (1, "ip", "string", "o"), (2, "hostname", "string", "o"), (4, "ports", "[]networking.v1.IngressPortStatus", "on"),
    ],
    "networking.v1.IngressPortStatus": [
        (1, "port", "int32", ""), (2, "protocol", "string", ""), (3, "error", "string", "opn"),
    ],
}

# apiVersion's group → the schema's package prefix ("" is the core group)
GROUPS = {
    "": "core", "apps": "apps", "batch": "batch", "authentication.k8s.io": "authentication", "authorization.k8s.io": "authorization",
    "policy": "policy", "rbac.authorization.k8s.io": "rbac", "scheduling.k8s.io": "scheduling", "networking.k8s.io": "networking",
    "meta.k8s.io": "meta",
}
