"""Fake Palisade mirror: `POST /v1/capture` per the documented contract (kong/README.md).

- Bearer token required (constant-time compare); otherwise 401.
- Body: NDJSON capture records (optionally gzip, Content-Encoding: gzip). Each line must be a JSON
  object with string `method` and `path`; a bad line is rejected alone with its 1-based number.
- Answers 202 {"accepted", "rejected", "errors": [{"line", "reason"}, ...first 10]}.
- Test controls: `delay_s` (slow mirror: sleep before answering), `shed_retry_after` (answer 503
  with Retry-After instead of accepting), `stop()` (dead mirror: closes the listener and its
  connections).

Run standalone: python3 mirror.py PORT TOKEN  (prints each accepted record as a JSON line).
"""
import gzip
import json
import sys
import time

from server import FakeServer


class FakeMirror(FakeServer):
    def __init__(self, port=0, token="mirror-token", host="127.0.0.1", echo=False, tls=None):
        super().__init__(port, host, token, tls)
        self.records = []          # accepted records (dicts), in arrival order
        self.batches = []          # (line count, monotonic time) per POST
        self.auth_failures = 0
        self.delay_s = 0.0
        self.shed_retry_after = None
        self.echo = echo

    def handle(self, req):
        if req.command != "POST" or req.path != "/v1/capture":
            return self.reply(req, 404, {"error": "not found"})
        if not self.authorized(req):
            with self.lock:
                self.auth_failures += 1
            return self.reply(req, 401, {"error": "unauthorized"})
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.shed_retry_after is not None:
            return self.reply(req, 503, {"error": "shedding"}, {"Retry-After": str(self.shed_retry_after)})
        raw = req.body
        if (req.headers.get("Content-Encoding") or "").lower() == "gzip":
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
            except Exception as e:  # noqa: BLE001 - the reason goes back to the client
                errors.append({"line": n, "reason": str(e)})
        with self.changed:
            self.records.extend(accepted)
            self.batches.append((len(accepted) + len(errors), time.monotonic()))
            self.changed.notify_all()
        if self.echo:
            for rec in accepted:
                print(json.dumps(rec), flush=True)
        self.reply(req, 202, {"accepted": len(accepted), "rejected": len(errors), "errors": errors[:10]})

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
    print("# listening on " + m.url, file=sys.stderr, flush=True)
    try:
        m.thread.join()
    except KeyboardInterrupt:
        m.stop()
