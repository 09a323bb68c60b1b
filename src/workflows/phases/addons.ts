import { activity, firstMaster, type PhaseDeclaration } from '../phase-model';

export const ingress: PhaseDeclaration = {
  id: 'ingress',
  articleStep: 13,
  title: 'Ingress controller, Service with the masters as externalIPs',
  hosts: firstMaster,
  fanout: 'one-at-a-time',
  shouldRun: (s) => s.ingress.controller !== 'none',
  // Needs only a settled API server (control-plane-refresh restarts it): beside the other masters' and the
  // workers' joins, which run on other hosts. The HA check waits for it (phases/verify-ha.ts).
  after: ['control-plane-refresh'],
  steps: [
    activity(
      'applyIngress',
      'ingress controller and Service',
      'long',
      "download the controller manifest, check its pinned sha256, kubectl apply -f it; kubectl apply -f ingress-service.yaml; with no dashboard, as the last add-on: wait (at most 120 s) for the system's and add-ons' pods to run and name each one that does not (an image that cannot be pulled) as a warning",
      {
        writes: ['ingress-service'],
      },
    ),
  ],
};

export const dashboard: PhaseDeclaration = {
  id: 'dashboard',
  articleStep: 14,
  title: 'Dashboard on NodePort, admin-user ServiceAccount',
  hosts: firstMaster,
  fanout: 'one-at-a-time',
  shouldRun: (s) => s.dashboard.kind !== 'none',
  // After the ingress, not beside it: both run on the first master, which runs one step at a time.
  after: ['ingress'],
  steps: [
    activity(
      'applyDashboard',
      'dashboard, NodePort Service, admin-user',
      'long',
      "download the dashboard manifest, check its pinned sha256, kubectl apply -f it; kubectl apply -f dashboard-service.yaml dashboard-rbac.yaml; wait (at most 120 s) for the system's and add-ons' pods to run and name each one that does not (an image that cannot be pulled) as a warning",
      { writes: ['dashboard-service', 'dashboard-rbac'] },
    ),
  ],
};
