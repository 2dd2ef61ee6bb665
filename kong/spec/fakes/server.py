"""What the fakes share: a threaded HTTP/1.1 server with keep-alive, optional TLS, bearer-token
checks (constant-time), JSON replies, and a stop() that also cuts open keep-alive connections (a
dead server drops them; otherwise a stopped fake would keep answering on pooled connections).

A fake subclasses FakeServer and implements handle(request) for its routes; `request` is the
BaseHTTPRequestHandler (method in request.command, path, headers, body already read)."""
import hmac
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeServer:
    def __init__(self, port, host, token, tls):
        self.token = token
        self.conns = set()          # open client connections, cut by stop()
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

            def do_GET(self):
                self.body = b""
                fake.handle(self)

            def do_POST(self):
                self.body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.handle(self)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        if tls:  # (certfile, keyfile): serve HTTPS
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = "%s://%s:%d" % ("https" if tls else "http", host, self.port)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(self, request):
        raise NotImplementedError

    def authorized(self, request):
        got = request.headers.get("Authorization") or ""
        return hmac.compare_digest(got.encode(), ("Bearer " + self.token).encode())

    @staticmethod
    def reply(request, status, obj, headers=None):
        body = json.dumps(obj).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                request.send_header(k, v)
            request.end_headers()
            request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (e.g. its timeout against a slow fake)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.on_stop()
        self.server.shutdown()
        self.server.server_close()
        with self.lock:
            for c in list(self.conns):
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def on_stop(self):
        """Hook run first by stop() (e.g. release handlers parked in a long-poll)."""
