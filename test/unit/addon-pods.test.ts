// The add-on pods survey at the end of an install (src/activities/steps/addon-pods.ts): which pods count as
// running, which cannot pull their image, when waiting longer would not help, and what the warnings say.
// The pod objects are shaped as the real API server (v1.37) returned them on the lab's real lane.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podState, podWarnings, settled, type PodObject } from '../../src/activities/steps/addon-pods';

const running = (namespace: string, name: string): PodObject => ({
  metadata: { name, namespace },
  status: { phase: 'Running', containerStatuses: [{ name: 'c', ready: true, state: {} }] },
});
const pullFailing = (namespace: string, name: string, init = false): PodObject => {
  const statuses = [
    {
      name: 'c',
      image: 'registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.6.4',
      ready: false,
      state: {
        waiting: {
          reason: 'ImagePullBackOff',
          message: 'Back-off pulling image "registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.6.4"',
        },
      },
    },
  ];
  return {
    metadata: { name, namespace },
    status: { phase: 'Pending', ...(init ? { initContainerStatuses: statuses } : { containerStatuses: statuses }) },
  };
};
const creating = (namespace: string, name: string): PodObject => ({
  metadata: { name, namespace },
  status: {
    phase: 'Pending',
    containerStatuses: [
      {
        name: 'controller',
        image: 'registry.k8s.io/ingress-nginx/controller:v1.15.1',
        state: { waiting: { reason: 'ContainerCreating' } },
      },
    ],
  },
});
const unschedulable = (namespace: string, name: string): PodObject => ({
  metadata: { name, namespace },
  status: {
    phase: 'Pending',
    conditions: [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message: '0/3 nodes are available: 3 node(s) had untolerated taint',
      },
    ],
  },
});

test('podState: running and ready, a finished job pod, an image that cannot be pulled (also in an init container), waiting', () => {
  assert.deepEqual(podState(running('kube-system', 'coredns-1')), { kind: 'running' });
  assert.deepEqual(podState({ metadata: { name: 'job-1', namespace: 'x' }, status: { phase: 'Succeeded' } }), { kind: 'running' });
  assert.equal(podState(pullFailing('ingress-nginx', 'admission-create-1')).kind, 'pull-failure');
  assert.equal(podState(pullFailing('ingress-nginx', 'admission-create-1', true)).kind, 'pull-failure');
  assert.deepEqual(podState(creating('ingress-nginx', 'controller-1')), { kind: 'waiting', what: 'Pending (ContainerCreating)' });
  const notReady = running('kube-system', 'coredns-2');
  notReady.status!.containerStatuses![0]!.ready = false;
  assert.equal(podState(notReady).kind, 'waiting', 'Running but not ready is still waiting');
  assert.match((podState(unschedulable('d', 'dash-1')) as { what: string }).what, /not scheduled: 0\/3 nodes are available/);
});

test('settled: everything running; or what waits, waits beside a pod that cannot pull its image', () => {
  assert.ok(settled([running('kube-system', 'a'), running('kube-flannel', 'b')]));
  assert.ok(settled([pullFailing('kubernetes-dashboard', 'dash-1')]));
  // ingress-nginx's controller waits for its admission job's certificate; the job cannot pull its image
  assert.ok(settled([pullFailing('ingress-nginx', 'admission-create-1'), creating('ingress-nginx', 'controller-1')]));
  assert.ok(!settled([creating('ingress-nginx', 'controller-1')]), 'still starting: wait');
  assert.ok(
    !settled([pullFailing('kubernetes-dashboard', 'dash-1'), creating('ingress-nginx', 'controller-1')]),
    'another namespace: wait',
  );
  assert.ok(!settled([unschedulable('kubernetes-dashboard', 'dash-1')]), 'not yet scheduled (the workers may still be joining): wait');
});

test('podWarnings: one per pod not running, naming the image it cannot pull or what it waits for', () => {
  const warnings = podWarnings(
    [running('kube-system', 'coredns-1'), pullFailing('ingress-nginx', 'admission-create-1'), creating('ingress-nginx', 'controller-1')],
    42,
  );
  assert.equal(warnings.length, 2);
  assert.match(
    warnings[0]!,
    /^pod ingress-nginx\/admission-create-1: its image registry\.k8s\.io\/ingress-nginx\/kube-webhook-certgen:v1\.6\.4 cannot be pulled \(ImagePullBackOff: Back-off/,
  );
  assert.equal(warnings[1], 'pod ingress-nginx/controller-1: not running after 42 s: Pending (ContainerCreating)');
});
