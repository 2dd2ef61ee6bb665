"""The real Palisade processes for the integration tests: `palisade mirror` and
`palisade aggregator`, started from the debug binary (PALISADE_BIN, default
<repo>/.build/debug/palisade) on free loopback ports, with flags only, and stopped by their own
pid (SIGTERM, then SIGKILL after a bound). Each keeps its log in a temp dir (printed on failure).
"""
import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
BIN = os.environ.get("PALISADE_BIN") or os.path.join(REPO, ".build", "debug", "palisade")

# The aggregator's default policy allowlists 127.0.0.0/8 and ::1 (it refuses decisions on them with
# 409); these tests block loopback clients, so they run it with a policy without that allowlist.
TEST_POLICY = """version: 1
mode: safe_blocking
rules: []
"""


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts", "testlib"))
from ports import free_port  # noqa: E402,F401  (outside the ephemeral range: scripts/testlib/ports.py)


def api_key_digest(key):
    """What an api_key decision carries (docs/RECORDS.md, Identities): first 16 bytes of SHA-256, hex."""
    return hashlib.sha256(key.encode() if isinstance(key, str) else key).hexdigest()[:32]


class Proc:
    role = ""

    def __init__(self, token, port=None, workdir=None):
        self.token = token
        self.port = port or free_port()
        self.dir = workdir or tempfile.mkdtemp(prefix="palisade-%s-" % self.role)
        self.proc = None
        self.log_path = os.path.join(self.dir, "%s.log" % self.role)
        self.url = "http://127.0.0.1:%d" % self.port

    def args(self):
        raise NotImplementedError

    def start(self, timeout=60):
        if not os.access(BIN, os.X_OK):
            raise RuntimeError("palisade binary missing at %s (build it: swift build --product palisade)" % BIN)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([BIN] + self.args(), stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %s:\n%s" % (self.role, self.proc.returncode, self.log_tail()))
            try:
                if self.request("GET", "/healthz", auth=False, timeout=1)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("%s did not become healthy within %s s:\n%s" % (self.role, timeout, self.log_tail()))

    def stop(self, timeout=10):
        """Graceful stop (SIGTERM), SIGKILL after `timeout` seconds; returns the exit code."""
        p = self.proc
        if p is None or p.poll() is not None:
            return p and p.returncode
        p.send_signal(signal.SIGTERM)
        try:
            return p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            return p.wait(5)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, n=20):
        try:
            return "\n".join(open(self.log_path, errors="replace").read().splitlines()[-n:])
        except OSError:
            return ""

    def request(self, method, path, body=None, auth=True, timeout=5, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        if auth:
            h["Authorization"] = "Bearer " + self.token
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def metrics(self):
        """GET /metrics (bearer token) parsed to {"name{labels}": value}."""
        st, _, data = self.request("GET", "/metrics")
        if st != 200:
            raise RuntimeError("%s /metrics: %s" % (self.role, st))
        return parse_prometheus(data.decode())


def parse_prometheus(text):
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        try:
            out[name] = float(value)
        except ValueError:
            pass
    return out


def metric_sum(metrics, name, **labels):
    """Sum of every series of `name` whose labels include `labels`."""
    total = 0.0
    for k, v in metrics.items():
        base, _, rest = k.partition("{")
        if base != name:
            continue
        if all(('%s="%s"' % (lk, lv)) in rest for lk, lv in labels.items()):
            total += v
    return total


class Mirror(Proc):
    """`palisade mirror` with the in-process transport (a standalone mirror consumes and discards
    what it produces), or any transport given through `extra` (--set key=value pairs)."""
    role = "mirror"

    def __init__(self, token="mirror-token", port=None, extra=(), args=()):
        super().__init__(token, port)
        self.extra = list(extra)
        self.more = list(args)

    def args(self):
        a = ["mirror", "--listen-host", "127.0.0.1", "--listen-port", str(self.port), "--token", self.token] + self.more
        for kv in self.extra:
            a += ["--set", kv]
        return a


class Aggregator(Proc):
    """`palisade aggregator` (in-process transport) with its SQLite file in its own dir; restart()
    starts a new process on the same port and database (a new epoch, decisions restored)."""
    role = "aggregator"

    def __init__(self, token="agg-token", port=None, database=None):
        super().__init__(token, port)
        self.database = database or os.path.join(self.dir, "aggregator.sqlite")
        self.policy = os.path.join(self.dir, "policy.yaml")
        with open(self.policy, "w") as f:
            f.write(TEST_POLICY)

    def args(self):
        return ["aggregator", "--listen-host", "127.0.0.1", "--listen-port", str(self.port), "--token", self.token,
                "--database", self.database, "--policy", self.policy]

    def upsert(self, scope, value, action="block", ttl_s=3600, reason="integration test"):
        """POST /v1/decisions; returns the stored decision (canonical value)."""
        st, _, data = self.request("POST", "/v1/decisions", {
            "scope": scope, "value": value, "action": action, "ttl_secs": int(ttl_s), "reason": reason,
            "actor": "integration"})
        if st != 201:
            raise RuntimeError("POST /v1/decisions %s:%s → %s %s" % (scope, value, st, data[:200]))
        return json.loads(data)

    def remove(self, scope, value):
        """DELETE /v1/decisions/{scope}/{value} (the lift)."""
        st, _, data = self.request("DELETE", "/v1/decisions/%s/%s" % (scope, urllib.parse.quote(value, safe="")))
        if st != 200:
            raise RuntimeError("DELETE /v1/decisions/%s/%s → %s %s" % (scope, value, st, data[:200]))
        return json.loads(data)

    def decisions(self, since="0"):
        st, _, data = self.request("GET", "/v1/decisions?since=%s&wait=0" % urllib.parse.quote(since, safe=""))
        if st != 200:
            raise RuntimeError("GET /v1/decisions → %s" % st)
        return json.loads(data)

    def version(self):
        return self.decisions()["version"]

    def restart(self, fresh_database=False):
        self.stop()
        if fresh_database:
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.remove(self.database + suffix)
                except OSError:
                    pass
        return self.start()
