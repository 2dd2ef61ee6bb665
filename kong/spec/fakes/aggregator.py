"""Fake Palisade aggregator: `GET /v1/decisions?since=V&wait=S` per DESIGN §2 and kong/README.md.

- Bearer token required (constant-time compare); otherwise 401.
- Versions are "epoch:counter". `since` from another epoch, unparsable, or older than the retained
  history gets a full snapshot {version, full: true, upserts: [all live], removals: []}.
- Otherwise: the changes after `since` at once if there are any, else waits up to `wait` seconds
  (capped at 60) for one and answers the delta {version, full: false, upserts, removals}, or an
  empty delta with the current version when the wait ends.
- Decisions are objects {scope, value, action, reason, source_rule, created_at, expires_at (ms),
  version}; removals are "scope:value" strings.
- Test controls: upsert(), remove(), new_epoch() (a restarted aggregator), stop() (down: closes the
  listener and drops in-flight polls), and `polls` (the since values seen, with the answer kind).

Run standalone: python3 aggregator.py PORT TOKEN
"""
import hmac
import json
import socket
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakeAggregator:
    def __init__(self, port=0, token="agg-token", host="127.0.0.1", epoch=None, counter=0, tls=None):
        self.token = token
        self.epoch = epoch or uuid.uuid4().hex[:8]
        self.counter = counter
        self.live = {}             # "scope:value" -> decision
        self.history = []          # (counter, "upsert"|"remove", key, decision)
        self.polls = []            # (since, "full"|"delta"|"empty")
        self.conns = set()         # open client connections, cut by stop()
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.stopping = False
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

            def reply(self, status, obj):
                body = json.dumps(obj).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first (e.g. its timeout against a slow fake)

            def do_GET(self):
                u = urlparse(self.path)
                if u.path != "/v1/decisions":
                    return self.reply(404, {"error": "not found"})
                got = self.headers.get("Authorization") or ""
                if not hmac.compare_digest(got.encode(), ("Bearer " + fake.token).encode()):
                    return self.reply(401, {"error": "unauthorized"})
                q = parse_qs(u.query)
                since = (q.get("since") or [""])[0]
                try:
                    wait = min(float((q.get("wait") or ["0"])[0]), 60.0)
                except ValueError:
                    return self.reply(400, {"error": "bad wait"})
                answer = fake.answer(since, wait)
                if answer is None:  # stopping: drop the connection without a response
                    self.close_connection = True
                    return
                self.reply(200, answer)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        if tls:  # (certfile, keyfile): serve HTTPS
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = "%s://%s:%d" % ("https" if tls else "http", host, self.port)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- protocol -------------------------------------------------------------------------------
    def version(self):
        return "%s:%d" % (self.epoch, self.counter)

    def _since_counter(self, since):
        epoch, _, counter = since.rpartition(":")
        if epoch != self.epoch:
            return None
        try:
            return int(counter)
        except ValueError:
            return None

    def answer(self, since, wait):
        deadline = time.monotonic() + wait
        with self.changed:
            n = self._since_counter(since)
            if n is None or n > self.counter:
                self.polls.append((since, "full"))
                return {"version": self.version(), "full": True,
                        "upserts": list(self.live.values()), "removals": []}
            while self.counter <= n and not self.stopping:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.changed.wait(left)
            if self.stopping:
                return None
            ups, rems = {}, {}
            for c, kind, key, d in self.history:
                if c > n:
                    if kind == "upsert":
                        ups[key] = d
                        rems.pop(key, None)
                    else:
                        rems[key] = True
                        ups.pop(key, None)
            self.polls.append((since, "delta" if (ups or rems) else "empty"))
            return {"version": self.version(), "full": False,
                    "upserts": list(ups.values()), "removals": list(rems)}

    # --- controls -------------------------------------------------------------------------------
    def upsert(self, scope, value, action="block", ttl_s=None, reason="test"):
        with self.changed:
            self.counter += 1
            now = int(time.time() * 1000)
            d = {"scope": scope, "value": value, "action": action, "reason": reason,
                 "source_rule": "fake", "created_at": now,
                 "expires_at": now + int(ttl_s * 1000) if ttl_s else None,
                 "version": self.version()}
            key = scope + ":" + value
            self.live[key] = d
            self.history.append((self.counter, "upsert", key, d))
            self.changed.notify_all()
            return d

    def remove(self, scope, value):
        with self.changed:
            self.counter += 1
            key = scope + ":" + value
            self.live.pop(key, None)
            self.history.append((self.counter, "remove", key, None))
            self.changed.notify_all()

    def new_epoch(self, counter=0):
        """Like a restart that lost nothing but its version history: new epoch, counter reset."""
        with self.changed:
            self.epoch = uuid.uuid4().hex[:8]
            self.counter = counter
            self.history = []
            self.changed.notify_all()

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        with self.changed:
            self.stopping = True
            self.changed.notify_all()
        self.server.shutdown()
        self.server.server_close()
        with self.lock:  # a dead server also drops its keep-alive connections
            for c in list(self.conns):
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


if __name__ == "__main__":
    a = FakeAggregator(int(sys.argv[1]), sys.argv[2]).start()
    try:
        a.thread.join()
    except KeyboardInterrupt:
        a.stop()
