"""Fake Palisade mirror: `POST /v1/capture` per the documented contract (kong/README.md).

- Bearer token required (constant-time compare); otherwise 401.
- Body: NDJSON capture records (optionally gzip, Content-Encoding: gzip). Each line must be a JSON
  object with string `method` and `path`; a bad line is rejected alone with its 1-based number.
- Answers 202 {"accepted", "rejected", "errors": [{"line", "reason"}, ...first 10]}.
- Test controls: `delay_s` (slow mirror: sleep before answering), `shed_retry_after` (answer 503
  with Retry-After instead of accepting), `stop()` (dead mirror: closes the listener).

Run standalone: python3 mirror.py PORT TOKEN  (prints each accepted record as a JSON line).
"""
import gzip
import hmac
import json
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeMirror:
    def __init__(self, port=0, token="mirror-token", host="127.0.0.1", echo=False, tls=None):
        self.token = token
        self.records = []          # accepted records (dicts), in arrival order
        self.batches = []          # (line count, monotonic time) per POST
        self.auth_failures = 0
        self.delay_s = 0.0
        self.shed_retry_after = None
        self.echo = echo
        self.conns = set()         # open client connections, cut by stop()
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with fake.lock:
                    fake.conns.add(self.connection)

            def finish(self):
                with fake.lock:
                    fake.conns.discard(self.connection)
                super().finish()

            def log_message(self, *args):
                pass

            def reply(self, status, obj, headers=None):
                body = json.dumps(obj).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first (e.g. its timeout against a slow fake)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path != "/v1/capture":
                    return self.reply(404, {"error": "not found"})
                got = self.headers.get("Authorization") or ""
                if not hmac.compare_digest(got.encode(), ("Bearer " + fake.token).encode()):
                    with fake.lock:
                        fake.auth_failures += 1
                    return self.reply(401, {"error": "unauthorized"})
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                if fake.shed_retry_after is not None:
                    return self.reply(503, {"error": "shedding"}, {"Retry-After": str(fake.shed_retry_after)})
                if (self.headers.get("Content-Encoding") or "").lower() == "gzip":
                    raw = gzip.decompress(raw)
                accepted, errors = [], []
                for n, line in enumerate(raw.split(b"\n"), 1):
                    if not line.strip():
                        continue
                    try:
                        rec = json.loads(line.decode("utf-8"))
                        if not isinstance(rec, dict):
                            raise ValueError("not an object")
                        if not isinstance(rec.get("method"), str) or not isinstance(rec.get("path"), str):
                            raise ValueError("method and path are required")
                        accepted.append(rec)
                    except Exception as e:  # noqa: BLE001 - reason goes back to the client
                        errors.append({"line": n, "reason": str(e)})
                with fake.changed:
                    fake.records.extend(accepted)
                    fake.batches.append((len(accepted) + len(errors), time.monotonic()))
                    fake.changed.notify_all()
                if fake.echo:
                    for rec in accepted:
                        print(json.dumps(rec), flush=True)
                self.reply(202, {"accepted": len(accepted), "rejected": len(errors), "errors": errors[:10]})

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        if tls:  # (certfile, keyfile): serve HTTPS
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = "%s://%s:%d" % ("https" if tls else "http", host, self.port)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        with self.lock:  # a dead server also drops its keep-alive connections
            for c in list(self.conns):
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def wait_for(self, predicate, timeout):
        """Waits until predicate(records) is truthy; returns its value or None on timeout."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                v = predicate(self.records)
                if v:
                    return v
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.changed.wait(left)

    def find(self, request_id, timeout=3.0):
        return self.wait_for(lambda rs: next((r for r in rs if r.get("id") == request_id), None), timeout)


if __name__ == "__main__":
    m = FakeMirror(int(sys.argv[1]), sys.argv[2], echo=True).start()
    try:
        m.thread.join()
    except KeyboardInterrupt:
        m.stop()
