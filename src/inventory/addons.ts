// Where each selectable add-on lives by default and how its Service finds its pods.
// Overridable by manifest URL in cluster.yaml (mirrors, air-gapped sites).
export const INGRESS_CONTROLLERS = {
  'ingress-nginx': {
    // Retired upstream in March 2026: kept because it is the article's choice.
    manifestUrl:
      'https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v1.14.0/deploy/static/provider/baremetal/deploy.yaml',
    namespace: 'ingress-nginx',
    selector: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
    targetPorts: { http: 80, https: 443 },
  },
  contour: {
    // Maintained (CNCF); its Envoy pods serve the Ingress objects. One static manifest upstream.
    manifestUrl: 'https://projectcontour.io/quickstart/contour.yaml',
    namespace: 'projectcontour',
    selector: { app: 'envoy' },
    targetPorts: { http: 8080, https: 8443 },
  },
} as const;

export const DASHBOARDS = {
  'kubernetes-dashboard': {
    // Archived upstream in January 2026: kept because it is the article's choice.
    manifestUrl: 'https://raw.githubusercontent.com/kubernetes/dashboard/v2.7.0/aio/deploy/recommended.yaml',
    namespace: 'kubernetes-dashboard',
    selector: { 'k8s-app': 'kubernetes-dashboard' },
    targetPort: 8443,
    scheme: 'https',
  },
  headlamp: {
    manifestUrl: 'https://raw.githubusercontent.com/kubernetes-sigs/headlamp/main/kubernetes-headlamp.yaml',
    namespace: 'kube-system',
    selector: { 'k8s-app': 'headlamp' },
    targetPort: 4466,
    scheme: 'http',
  },
} as const;
