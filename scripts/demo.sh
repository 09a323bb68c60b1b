#!/usr/bin/env bash
# npm run demo: everything from a fresh machine — npm packages, the Temporal CLI, the six-host lab —
# then `hakube up` on the lab with the embedded Temporal dev server (Web UI on http://localhost:8233).
# Until the Kubernetes stand-ins are published in the lab mirror (kubeadm, kubelet, kubectl cannot be
# fetched here), the demo runs the phases that need no Kubernetes binaries: preflight, runtime, etcd.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash lab/lab.sh up
echo
echo "Installing into the lab. A host that needs a reboot waits for: ./bin/hakube approve HOST -c lab"
echo "(or pass --auto-approve-reboots); progress: ./bin/hakube status -c lab"
exec ./bin/hakube up -f lab/cluster.yaml --only preflight,runtime,etcd "$@"
