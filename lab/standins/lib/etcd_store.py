# LAB STAND-IN: the API server stand-in's storage: the external etcd cluster from kubeadm's config,
# through etcd's v3 JSON gateway (etcd 3.4 serves /v3/kv/* on its client port). Linearizable reads:
# with the quorum gone every call fails, and so does the API server, as a real one would. With https
# endpoints it authenticates with --etcd-certfile/--etcd-keyfile and checks etcd against --etcd-cafile,
# as kube-apiserver does.
import base64
import http.client
import json
import select
import ssl
import threading
import urllib.parse


class EtcdUnavailable(Exception):
    pass


def _b64(text):
    return base64.b64encode(text.encode()).decode()


def _prefix_end(prefix):
    b = bytearray(prefix.encode())
    b[-1] += 1
    return base64.b64encode(bytes(b)).decode()


class EtcdStore:
    def __init__(self, endpoints, timeout=3, cafile=None, certfile=None, keyfile=None):
        self.endpoints = list(endpoints)
        self.lock = threading.Lock()
        self.timeout = timeout
        self.idle = {}  # endpoint -> kept-alive connections nobody uses right now
        self.tls = None
        if any(e.startswith("https://") for e in self.endpoints):
            self.tls = ssl.create_default_context(cafile=cafile)
            if certfile:
                self.tls.load_cert_chain(certfile, keyfile)

    def _connection(self, endpoint, fresh):
        """An idle kept-alive connection to endpoint, or a new one. kube-apiserver keeps its gRPC connections
        to etcd open; a new TLS handshake (client certificate included) per call made every request of the
        stand-in tens of milliseconds slower than the API server it stands in for."""
        with self.lock:
            idle = self.idle.get(endpoint)
            while idle and not fresh:
                conn = idle.pop()
                # Readable while idle means etcd closed it (restarted, timed out): the write would go
                # out locally and fail only on reading the answer, when it may have been sent twice.
                if conn.sock is not None and not select.select([conn.sock], [], [], 0)[0]:
                    return conn, True
                conn.close()
        url = urllib.parse.urlsplit(endpoint)
        if url.scheme == "https":
            return http.client.HTTPSConnection(url.hostname, url.port or 2379, timeout=self.timeout, context=self.tls), False
        return http.client.HTTPConnection(url.hostname, url.port or 2379, timeout=self.timeout), False

    def _post(self, endpoint, path, body, fresh=False):
        conn, reused = self._connection(endpoint, fresh)
        sent = False
        try:
            conn.request("POST", f"/v3/{path}", body=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
            sent = True
            resp = conn.getresponse()
            data = resp.read()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            conn.close()
            # etcd closed this idle connection meanwhile (restarted, timed out): once more on a new one, unless
            # a write may have reached it (a txn sent twice would come back as "exists" or a conflict).
            if reused and (not sent or path == "kv/range"):
                return self._post(endpoint, path, body, fresh=True)
            raise
        except (http.client.HTTPException, OSError):
            conn.close()
            raise
        if resp.status != 200:
            conn.close()
            raise OSError(f"HTTP {resp.status}: {data[:200]!r}")
        with self.lock:
            self.idle.setdefault(endpoint, []).append(conn)
        return json.loads(data or b"{}")

    def _call(self, path, body):
        errors = []
        for i, endpoint in enumerate(list(self.endpoints)):
            try:
                out = self._post(endpoint, path, body)
                if i:  # prefer the endpoint that answered next time (by name: other threads reorder too)
                    with self.lock:
                        if endpoint in self.endpoints:
                            self.endpoints.remove(endpoint)
                            self.endpoints.insert(0, endpoint)
                return out
            except (http.client.HTTPException, OSError, ValueError) as e:
                errors.append(f"{endpoint}: {e}")
        raise EtcdUnavailable("; ".join(errors))

    def get(self, key):
        kvs = self._call("kv/range", {"key": _b64(key)}).get("kvs", [])
        if not kvs:
            return None, 0
        return json.loads(base64.b64decode(kvs[0]["value"])), int(kvs[0].get("mod_revision", 0))

    def list(self, prefix):
        return self.list_at(prefix)[0]

    def list_at(self, prefix):
        """The objects under prefix and the store's revision they were read at (a list's resourceVersion)."""
        out = self._call("kv/range", {"key": _b64(prefix), "range_end": _prefix_end(prefix)})
        items = [(json.loads(base64.b64decode(kv["value"])), int(kv.get("mod_revision", 0))) for kv in out.get("kvs", [])]
        return items, int(out.get("header", {}).get("revision", 0))

    def create(self, key, value):
        """Puts only when the key does not exist; returns the new revision or None when it existed."""
        out = self._call("kv/txn", {
            "compare": [{"key": _b64(key), "target": "CREATE", "create_revision": "0"}],
            "success": [{"request_put": {"key": _b64(key), "value": _b64(json.dumps(value))}}],
        })
        return int(out["header"]["revision"]) if out.get("succeeded") else None

    def cas(self, key, value, mod_revision):
        """Puts only when the key's mod revision is still mod_revision (0: the key must not exist); the new
        revision when written, else False. What kube-apiserver's GuaranteedUpdate does, so concurrent writers (several API servers
        behind haproxy, kubectl drain's parallel evictions) do not overwrite each other."""
        out = self._call("kv/txn", {
            "compare": [{"key": _b64(key), "target": "MOD", "mod_revision": str(mod_revision)}],
            "success": [{"request_put": {"key": _b64(key), "value": _b64(json.dumps(value))}}],
        })
        return int(out["header"]["revision"]) if out.get("succeeded") else False

    def cas_delete(self, key, mod_revision):
        out = self._call("kv/txn", {
            "compare": [{"key": _b64(key), "target": "MOD", "mod_revision": str(mod_revision)}],
            "success": [{"request_delete_range": {"key": _b64(key)}}],
        })
        return bool(out.get("succeeded"))

    def put(self, key, value):
        return int(self._call("kv/put", {"key": _b64(key), "value": _b64(json.dumps(value))})["header"]["revision"])

    def delete(self, key):
        return int(self._call("kv/deleterange", {"key": _b64(key)}).get("deleted", 0))

    def healthy(self):
        try:
            self._call("kv/range", {"key": _b64("/registry/health")})
            return True
        except EtcdUnavailable:
            return False
