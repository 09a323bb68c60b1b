#!/usr/bin/env bash
# npm run demo: everything from a fresh machine — npm packages, the Temporal CLI, the six-host lab with
# its mirror of Kubernetes stand-ins — then the article's whole cluster installed into the lab by
# `hakube up` on the embedded Temporal dev server, whose Web UI (http://localhost:8233) stays up afterwards.
# Extra arguments go to `hakube up`, e.g. `npm run demo -- --auto-approve-reboots` for an unattended run;
# `--kubernetes real` first runs it on the lab's real lane (real Kubernetes built from its upstream modules:
# about 25 minutes the first time on a 2-core machine, then cached), `--kubernetes standin` (the default)
# on the stand-ins.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
lane=standin
if [ "${1:-}" = --kubernetes ]; then
  lane=${2:-}
  shift 2 || { echo "demo: --kubernetes real|standin" >&2; exit 2; }
fi
case "$lane" in real | standin) ;; *) echo "demo: --kubernetes real|standin, not \"$lane\"" >&2; exit 2 ;; esac
bash scripts/setup.sh
bash lab/lab.sh up --kubernetes "$lane"
./bin/hakube server start
# The lab's hosts may hold a cluster this demo's Temporal does not know: another cluster (what the tests
# leave), or a "lab" installed through another server (the e2e test's, whose record is gone with it; its
# etcd may have been wiped since). `hakube up` would refuse the first in preflight and find the second's
# state lying; the demo starts from blank hosts instead. Hosts of the demo's own install are kept, so a
# paused demo resumes (its record is read from history: no worker needed).
owner=$(bash lab/lab.sh ssh master01 "sed -n 's/^cluster=//p' /var/lib/hakube/cluster-identity 2>/dev/null" 2>/dev/null || true)
if [ -n "$owner" ] && { [ "$owner" != lab ] || ! ./bin/hakube status -c lab --timing >/dev/null 2>&1; }; then
  echo "demo: the lab's hosts hold cluster \"$owner\", installed by another run (the tests, or another Temporal): recreating them blank"
  bash lab/lab.sh up --fresh
fi
if [ "$lane" = real ]; then
  what="real Kubernetes v1.37 built from its upstream modules; flannel as the pod network, as Calico's node agent cannot be built here"
else
  what="Calico, ingress-nginx, dashboard; kubeadm/kubelet/API server are the lab's stand-ins, kubectl and Helm the real ones"
fi
cat <<TEXT

Installing the article's cluster into the lab (3 masters + external etcd, 3 workers with haproxy;
$what).
A host that needs a reboot waits for you, in another terminal:
    ./bin/hakube approve HOST -c lab        (or --all; progress: ./bin/hakube status -c lab)
Every step on every host is in the Temporal Web UI: http://localhost:8233

TEXT
status=0
./bin/hakube up -f lab/cluster.yaml "$@" || status=$?
cat <<TEXT

Demo finished in $((SECONDS - started)) s (hakube up exit code $status).
  kubectl on the cluster:  npm run lab -- ssh master01 kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes
  dashboard token:         npm run lab -- ssh master01 kubectl --kubeconfig /etc/kubernetes/admin.conf -n kubernetes-dashboard create token admin-user
  Temporal Web UI:         http://localhost:8233 (stop it with ./bin/hakube server stop)
  the lab:                 npm run lab -- down
TEXT
exit $status
