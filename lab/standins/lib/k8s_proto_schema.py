# LAB STAND-IN: the Kubernetes protobuf messages the API server stand-in decodes, written down for it:
# the kinds kubectl 1.37 sends as protobuf to what the lab serves (`create token`, `create namespace`,
# `create configmap|secret|serviceaccount`, `auth can-i`, an Eviction). Only these: every other typed
# `kubectl create` (deployment, service, job, role, ...) is refused with 415 and a message naming the kind,
# and the lab's README lists them. Field numbers are Kubernetes' wire format (the proto tags of the API
# types); each field also carries how Go's encoding/json shows it, which the wire does not say:
#   o  omitempty: "", 0, false, empty list/map not shown       n  nil when absent (pointer, slice, map)
#   z  omitzero: a zero struct not shown                        p  a pointer: a present zero value is shown
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
}

# apiVersion's group → the schema's package prefix ("" is the core group)
GROUPS = {"": "core", "authentication.k8s.io": "authentication", "authorization.k8s.io": "authorization", "policy": "policy", "meta.k8s.io": "meta"}
