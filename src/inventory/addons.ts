// Where each add-on's manifest lives by default, pinned to a release by URL and by sha256 (the hosts
// check the download against it before applying; see activities/host/verified-download.ts), and how
// its Service finds its pods. Overridable in cluster.yaml (mirrors, air-gapped sites), with the sha256
// of the file the override serves. Each hash was checked with sha256sum on a byte-for-byte copy of
// the upstream file at that ref.
export interface PinnedFile {
  url: string;
  sha256: string;
}

export const CALICO = {
  // Self-contained: CRDs, calico-node, kube-controllers.
  manifest: {
    url: 'https://raw.githubusercontent.com/projectcalico/calico/v3.32.1/manifests/calico.yaml',
    sha256: 'a1df919d9721cf667accdc3e72848911b0cb25cfab7d2478ad0c996302c95744',
  },
  // The operator install (since Calico 3.30 the operator's CRDs come in a file of their own, applied first).
  operatorCrds: {
    url: 'https://raw.githubusercontent.com/projectcalico/calico/v3.32.1/manifests/operator-crds.yaml',
    sha256: '192f8b2d934ef24b62e86b7e1a6e1762d1c8af26a916f78057bc13fa5ed60f71',
  },
  operator: {
    url: 'https://raw.githubusercontent.com/projectcalico/calico/v3.32.1/manifests/tigera-operator.yaml',
    sha256: 'f18e073794207d372606bc3ea6f8fd73972f86d6828f4ba666dfe0d4aa8ab07f',
  },
} as const satisfies Record<string, PinnedFile>;

export const FLANNEL = {
  // flannel's own manifest (its namespace, RBAC, the net-conf ConfigMap, the DaemonSet), as tagged.
  manifest: {
    url: 'https://raw.githubusercontent.com/flannel-io/flannel/v0.28.11/Documentation/kube-flannel.yml',
    sha256: 'ce933683a1bcb3c128f6530ab35a4938e997dbbedb79aca962add63189330fb3',
  },
} as const satisfies Record<string, PinnedFile>;

export const INGRESS_CONTROLLERS = {
  'ingress-nginx': {
    // Retired upstream in March 2026: kept because it is the article's choice. Pinned by commit (controller-v1.15.1).
    manifest: {
      url: 'https://raw.githubusercontent.com/kubernetes/ingress-nginx/dbb11b92ddb77bee9c35e462479129354c84f939/deploy/static/provider/baremetal/deploy.yaml',
      sha256: '16b9b62df45b8ed8f1ecaed0341d583b3360e4b63c41fe00413f6a1fa2f95bec',
    },
    namespace: 'ingress-nginx',
    selector: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
    targetPorts: { http: 80, https: 443 },
  },
  contour: {
    // Maintained (CNCF); its Envoy pods serve the Ingress objects. One static manifest upstream (the
    // unversioned quickstart URL follows the latest release: the versioned file is pinned instead).
    manifest: {
      url: 'https://raw.githubusercontent.com/projectcontour/contour/v1.33.6/examples/render/contour.yaml',
      sha256: '1d2e45c4bb31bea93085231d9b50e2c95ad92432253872b683e672eb7cecbbd8',
    },
    namespace: 'projectcontour',
    selector: { app: 'envoy' },
    targetPorts: { http: 8080, https: 8443 },
  },
} as const;

export const DASHBOARDS = {
  'kubernetes-dashboard': {
    // Archived upstream in January 2026: kept because it is the article's choice.
    manifest: {
      url: 'https://raw.githubusercontent.com/kubernetes/dashboard/v2.7.0/aio/deploy/recommended.yaml',
      sha256: '943ae40251f1ba64ef012c53271bf6766d1883dd024093e854567b56443764b8',
    },
    namespace: 'kubernetes-dashboard',
    selector: { 'k8s-app': 'kubernetes-dashboard' },
    targetPort: 8443,
    scheme: 'https',
  },
  headlamp: {
    manifest: {
      url: 'https://raw.githubusercontent.com/kubernetes-sigs/headlamp/v0.45.0/kubernetes-headlamp.yaml',
      sha256: '9a893b6ce1f14660f76c5d79848e64979944125406e762f76278143cd2b863a2',
    },
    namespace: 'kube-system',
    selector: { 'k8s-app': 'headlamp' },
    targetPort: 4466,
    scheme: 'http',
  },
} as const;
