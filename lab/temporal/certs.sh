#!/usr/bin/env bash
# TLS for the lab's Temporal frontend: a lab CA and a server certificate signed by it, with openssl,
# into a git-ignored directory (default lab/temporal/.state/tls; HAKUBE_TEMPORAL_TLS_DIR moves it):
#   ca.pem ca.key            the lab CA (10 years); hakube trusts it through TEMPORAL_TLS_SERVER_CA_CERT_PATH
#   frontend.pem frontend.key the frontend's certificate (825 days), names: temporal-frontend (the
#                            name clients check, TEMPORAL_TLS_SERVER_NAME), localhost, 127.0.0.1,
#                            10.213.71.1 (the lab bridge), and HAKUBE_TEMPORAL_TLS_SANS (e.g. "DNS:x,IP:y")
# Kept while valid for 30 more days and naming the same SANs; otherwise made again (CA included when it
# expires). The key is owned by uid 1000 (the temporal user of the server images), mode 0600.
# Usage: lab/temporal/certs.sh   (prints the directory)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${HAKUBE_TEMPORAL_TLS_DIR:-$HERE/.state/tls}
SANS="DNS:temporal-frontend,DNS:localhost,IP:127.0.0.1,IP:10.213.71.1${HAKUBE_TEMPORAL_TLS_SANS:+,$HAKUBE_TEMPORAL_TLS_SANS}"
mkdir -p "$DIR"; chmod 755 "$DIR"
valid() { [ -s "$1" ] && openssl x509 -in "$1" -noout -checkend $((30 * 86400)) >/dev/null 2>&1; }
cd "$DIR"
if ! valid ca.pem || [ ! -s ca.key ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 3650 \
    -subj "/CN=hakube lab Temporal CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  chmod 600 ca.key; chmod 644 ca.pem
  rm -f frontend.pem
fi
if ! valid frontend.pem || [ "$(cat frontend.sans 2>/dev/null)" != "$SANS" ] ||
   ! openssl verify -CAfile ca.pem frontend.pem >/dev/null 2>&1; then
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout frontend.key -out frontend.csr \
    -subj "/CN=temporal-frontend" 2>/dev/null
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "$SANS" > frontend.ext
  openssl x509 -req -in frontend.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -sha256 \
    -extfile frontend.ext -out frontend.pem 2>/dev/null
  rm -f frontend.csr frontend.ext
  echo "$SANS" > frontend.sans
  chmod 644 frontend.pem
fi
chmod 600 frontend.key
if [ "$(id -u)" = 0 ]; then chown 1000:1000 frontend.key; else chmod 644 frontend.key; fi
echo "$DIR"
