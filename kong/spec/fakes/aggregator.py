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
import sys
import time
import uuid
from urllib.parse import parse_qs, urlparse

from server import FakeServer


class FakeAggregator(FakeServer):
    def __init__(self, port=0, token="agg-token", host="127.0.0.1", epoch=None, counter=0, tls=None):
        super().__init__(port, host, token, tls)
        self.epoch = epoch or uuid.uuid4().hex[:8]
        self.counter = counter
        self.live = {}             # "scope:value" -> decision
        self.history = []          # (counter, "upsert"|"remove", key, decision)
        self.polls = []            # (since, "full"|"delta"|"empty")
        self.stopping = False

    def handle(self, req):
        u = urlparse(req.path)
        if req.command != "GET" or u.path != "/v1/decisions":
            return self.reply(req, 404, {"error": "not found"})
        if not self.authorized(req):
            return self.reply(req, 401, {"error": "unauthorized"})
        q = parse_qs(u.query)
        since = (q.get("since") or [""])[0]
        try:
            wait = min(float((q.get("wait") or ["0"])[0]), 60.0)
        except ValueError:
            return self.reply(req, 400, {"error": "bad wait"})
        answer = self.answer(since, wait)
        if answer is None:  # stopping: drop the connection without a response
            req.close_connection = True
            return
        self.reply(req, 200, answer)

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

    def on_stop(self):
        with self.changed:  # release polls parked in answer(): they drop their connection
            self.stopping = True
            self.changed.notify_all()


if __name__ == "__main__":
    a = FakeAggregator(int(sys.argv[1]), sys.argv[2]).start()
    print("# listening on " + a.url, file=sys.stderr, flush=True)
    try:
        a.thread.join()
    except KeyboardInterrupt:
        a.stop()
