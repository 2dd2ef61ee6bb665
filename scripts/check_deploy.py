#!/usr/bin/env python3
"""Checks of the deployment files that need no container engine and no cloud (scripts/check-deploy.sh).

Prints one line per check, `ok <name>` or `FAIL <name>: <why>` (several FAIL lines may follow one
check), or `skip <name>: <why>`. Exit status 0 when nothing failed.

Checks:
  yaml            every YAML file of compose/, deploy/ and kong/kong.yml parses
  compose         compose/compose.yaml alone, and merged with compose/external-kafka.yaml: services
                  have an image or a build; depends_on targets exist, are started in the same
                  profile, have a healthcheck when waited for as healthy, are one-shot when waited
                  for as completed; no dependency cycle; named volumes and networks are declared;
                  bind-mounted files exist; scaled services have no container_name or fixed host
                  port; every ${VAR} without a default is in .env.example and every .env.example
                  variable is used
  compose-kong    the compose kong.yml points at compose services and the ports they listen on
  plugin-schema   every palisade plugin config in the bundled kong.yml files passes the plugin's own
                  validation (kong/palisade/config.lua, run with luajit)
  topics          deploy/kafka/create-topics.sh creates exactly PalisadeTopic's topics (Swift
                  source) with their cleanup policies
  topics-script   create-topics.sh run against a stub kafka-topics.sh: the arguments of every
                  create (prefix, partitions, replication, cleanup policy, retention, client
                  properties), retries then failure when the cluster refuses, bad input refused
  dockerfile      Dockerfile stages, COPY sources present in the build context and not excluded by
                  .dockerignore, non-root runtime user, ENTRYPOINT palisade
  env-names       the PALISADE_* variables compose and Terraform give each role are settings that
                  role reads, and the compose config file is accepted (`palisade <role> --print-config`; needs a built binary: $PALISADE_BIN
                  or .build/debug/palisade)
"""

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMPOSE_DIR = os.path.join(ROOT, "compose")
failures = 0


def report(name, problems, skipped=None):
    global failures
    if skipped:
        print(f"skip {name}: {skipped}")
    elif problems:
        failures += 1
        for p in problems:
            print(f"FAIL {name}: {p}")
    else:
        print(f"ok {name}")


class Tagged:
    """A compose merge tag (`!reset`, `!override`) and its value."""

    def __init__(self, tag, value):
        self.tag, self.value = tag, value


class ComposeLoader(yaml.SafeLoader):
    pass


def _tagged(loader, node):
    if isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_scalar(node)
    return Tagged(node.tag, value)


ComposeLoader.add_constructor("!reset", _tagged)
ComposeLoader.add_constructor("!override", _tagged)


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=ComposeLoader)


def rel(path):
    return os.path.relpath(path, ROOT)


# --------------------------------------------------------------------------------------------
# yaml


def yaml_files():
    out = [os.path.join(ROOT, "kong", "kong.yml")]
    for base in ("compose", "deploy"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, base)):
            dirnames[:] = [d for d in dirnames if not d.startswith(".terraform")]
            out += [os.path.join(dirpath, f) for f in filenames if f.endswith((".yaml", ".yml"))]
    return sorted(out)


def check_yaml():
    problems = []
    for path in yaml_files():
        try:
            # Role config files may be comments only (Settings accepts an empty document).
            if load(path) is None and os.path.dirname(path) != os.path.join(COMPOSE_DIR, "config"):
                problems.append(f"{rel(path)}: empty document")
        except yaml.YAMLError as e:
            problems.append(f"{rel(path)}: {e}".replace("\n", " "))
    report("yaml", problems)


# --------------------------------------------------------------------------------------------
# compose


def merge(base, over):
    """Compose's merge of an override file: mappings merge, `!reset` removes, `!override` replaces,
    sequences of ports/volumes append (enough for the files here)."""
    if isinstance(over, Tagged):
        return None if over.tag == "!reset" else over.value
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            merged = merge(base.get(k), v)
            if merged is None and isinstance(v, Tagged):
                out.pop(k, None)
            else:
                out[k] = merged
        return out
    if isinstance(base, list) and isinstance(over, list):
        return base + [x for x in over if x not in base]
    return over


def env_example():
    path = os.path.join(COMPOSE_DIR, ".env.example")
    values = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^([A-Z_][A-Z0-9_]*)=(.*)$", line)
            if not m:
                raise ValueError(f"compose/.env.example:{n}: not NAME=value")
            values[m.group(1)] = m.group(2)
    return values


VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")


def interpolate(text, env):
    def sub(m):
        name, op, arg = m.group(1), m.group(2), m.group(3)
        value = env.get(name)
        if op in (":-", "-") and not value:
            return arg
        return value or ""

    return VAR.sub(sub, text)


def depends_map(service):
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {d: {"condition": "service_started"} for d in deps}
    return deps


def check_compose_model(label, model, raw_text, env):
    problems = []
    allowed_top = {"name", "services", "volumes", "networks", "configs", "secrets", "include"}
    for key in model:
        if key not in allowed_top and not key.startswith("x-"):
            problems.append(f"{label}: unknown top-level key '{key}'")
    services = model.get("services") or {}
    if not services:
        problems.append(f"{label}: no services")
    volumes = set((model.get("volumes") or {}).keys())
    networks = set((model.get("networks") or {}).keys())
    active = {n for n, s in services.items() if not s.get("profiles")}

    for name, s in services.items():
        where = f"{label}: service {name}"
        if not s.get("image") and not s.get("build"):
            problems.append(f"{where}: neither image nor build")
        build = s.get("build")
        if isinstance(build, dict):
            ctx = os.path.normpath(os.path.join(COMPOSE_DIR, build.get("context", ".")))
            dockerfile = os.path.join(ctx, build.get("dockerfile", "Dockerfile"))
            if not os.path.isfile(dockerfile):
                problems.append(f"{where}: build file {rel(dockerfile)} missing")
        for dep, spec in depends_map(s).items():
            cond = (spec or {}).get("condition", "service_started")
            if dep not in services:
                problems.append(f"{where}: depends_on unknown service '{dep}'")
                continue
            if name in active and dep not in active:
                problems.append(f"{where}: depends_on '{dep}', which is not started (profiles)")
            if cond not in ("service_started", "service_healthy", "service_completed_successfully"):
                problems.append(f"{where}: depends_on '{dep}' with unknown condition '{cond}'")
            if cond == "service_healthy" and not services[dep].get("healthcheck"):
                problems.append(f"{where}: waits for '{dep}' to be healthy, but '{dep}' has no healthcheck")
            if cond == "service_completed_successfully" and str(services[dep].get("restart", "no")) not in ("no", "False", "false"):
                problems.append(f"{where}: waits for '{dep}' to complete, but '{dep}' restarts")
        for net in s.get("networks") or []:
            if net not in networks:
                problems.append(f"{where}: network '{net}' not declared")
        for vol in s.get("volumes") or []:
            source = interpolate(vol, env).split(":")[0] if isinstance(vol, str) else vol.get("source", "")
            if source.startswith((".", "/")):
                path = os.path.normpath(os.path.join(COMPOSE_DIR, source))
                if not os.path.exists(path):
                    problems.append(f"{where}: bind mount source {rel(path)} does not exist")
            elif source and source not in volumes:
                problems.append(f"{where}: volume '{source}' not declared")
        for f in s.get("env_file") or []:
            path = f if isinstance(f, str) else f.get("path")
            required = True if isinstance(f, str) else f.get("required", True)
            if required and not os.path.isfile(os.path.join(COMPOSE_DIR, path)):
                problems.append(f"{where}: env_file {path} missing")
        replicas = (s.get("deploy") or {}).get("replicas", 1)
        if isinstance(replicas, int) and replicas > 1:
            if s.get("container_name"):
                problems.append(f"{where}: replicated service with container_name (breaks --scale)")
            if s.get("ports"):
                problems.append(f"{where}: replicated service publishes host ports (breaks --scale)")
        hc = s.get("healthcheck")
        if hc and not hc.get("test"):
            problems.append(f"{where}: healthcheck without test")

    # dependency cycles
    state = {}

    def visit(n, stack):
        if state.get(n) == 1:
            problems.append(f"{label}: dependency cycle {' -> '.join(stack + [n])}")
            return
        if state.get(n) == 2 or n not in services:
            return
        state[n] = 1
        for d in depends_map(services[n]):
            visit(d, stack + [n])
        state[n] = 2

    for n in services:
        visit(n, [])
    return problems


def check_compose():
    problems = []
    try:
        env = env_example()
    except (OSError, ValueError) as e:
        report("compose", [str(e)])
        return None
    compose_path = os.path.join(COMPOSE_DIR, "compose.yaml")
    override_path = os.path.join(COMPOSE_DIR, "external-kafka.yaml")
    raw = open(compose_path, encoding="utf-8").read()
    override_raw = open(override_path, encoding="utf-8").read()
    model = load(compose_path)
    problems += check_compose_model("compose.yaml", model, raw, env)
    merged = merge(model, load(override_path))
    problems += check_compose_model("compose.yaml+external-kafka.yaml", merged, raw, env)

    used = set()
    for text in (raw, override_raw):
        for m in VAR.finditer(text):
            name, op = m.group(1), m.group(2)
            used.add(name)
            if op not in (":-", "-") and name not in env:
                problems.append(f"compose.yaml: ${{{name}}} has no default and is not in .env.example")
    for name in env:
        if name not in used:
            problems.append(f".env.example: {name} is not used by compose.yaml")
    report("compose", problems)
    return model, env


# --------------------------------------------------------------------------------------------
# Kong


def palisade_configs(path):
    doc = load(path) or {}
    out = []
    plugins = list(doc.get("plugins") or [])
    for kind in ("services", "routes", "consumers"):
        for entity in doc.get(kind) or []:
            plugins += entity.get("plugins") or []
            for route in entity.get("routes") or []:
                plugins += route.get("plugins") or []
    for p in plugins:
        if p.get("name") == "palisade":
            out.append(p.get("config") or {})
    return doc, out


def check_compose_kong(model):
    problems = []
    path = os.path.join(COMPOSE_DIR, "kong", "kong.yml")
    doc, configs = palisade_configs(path)
    services = model["services"]
    if not configs:
        problems.append("compose/kong/kong.yml enables no palisade plugin")

    def listen_port(service, role):
        env = services[service].get("environment") or {}
        return str(env.get(f"PALISADE_{role.upper()}_LISTEN_PORT", ""))

    for c in configs:
        for field, role in (("mirror_url", "mirror"), ("aggregator_url", "aggregator")):
            m = re.match(r"^https?://([^:/]+):(\d+)", str(c.get(field, "")))
            if not m:
                problems.append(f"{field} '{c.get(field)}' has no host:port")
                continue
            host, port = m.groups()
            if host not in services:
                problems.append(f"{field} points at '{host}', not a compose service")
            elif listen_port(host, role) != port:
                problems.append(f"{field} port {port}, but {host} listens on '{listen_port(host, role)}'")
    for s in doc.get("services") or []:
        m = re.match(r"^https?://([^:/]+)", s.get("url", ""))
        if m and m.group(1) not in services:
            problems.append(f"Kong service {s.get('name')} upstream '{m.group(1)}' is not a compose service")
    kong = services.get("kong", {})
    kenv = kong.get("environment") or {}
    for token_ref in ("palisade-mirror-token", "palisade-aggregator-token"):
        var = token_ref.upper().replace("-", "_")
        if var not in kenv:
            problems.append(f"kong service lacks {var} (read by {{vault://env/{token_ref}}})")
    if "palisade" not in str(kenv.get("KONG_PLUGINS", "")):
        problems.append("kong service: KONG_PLUGINS does not enable palisade")
    report("compose-kong", problems)


LUA_VALIDATE = r"""
package.path = ROOT .. "/kong/?.lua;" .. package.path
ngx = { null = setmetatable({}, { __tostring = function() return "null" end }),
        re = { find = function() return nil end } }
local cjson = require "cjson"
local config = require "palisade.config"
local items = cjson.decode(io.read("*a"))
local bad = 0
for _, item in ipairs(items) do
  local ok, errs = config.validate(item.config)
  if not ok then
    bad = bad + 1
    local parts = {}
    for k, v in pairs(errs) do
      parts[#parts + 1] = k .. ": " .. (type(v) == "table" and table.concat(v, "; ") or tostring(v))
    end
    table.sort(parts)
    print(item.where .. ": " .. table.concat(parts, ", "))
  end
end
os.exit(bad == 0 and 0 or 1)
"""

EXAMPLE_VALUES = {
    "PALISADE_MIRROR_URL": "http://internal-palisade-int-1.eu-west-1.elb.amazonaws.com:8470",
    "PALISADE_DECISIONS_URL": "http://internal-palisade-int-1.eu-west-1.elb.amazonaws.com:8082",
}


def check_plugin_schema():
    luajit = shutil.which("luajit")
    if not luajit:
        report("plugin-schema", [], skipped="luajit not installed (scripts/bootstrap.sh gateway)")
        return
    files = [
        os.path.join(ROOT, "kong", "kong.yml"),
        os.path.join(COMPOSE_DIR, "kong", "kong.yml"),
        os.path.join(ROOT, "deploy", "terraform", "aws", "kong-example", "kong.yml"),
    ]
    items, problems = [], []
    for path in files:
        _, configs = palisade_configs(path)
        if not configs:
            problems.append(f"{rel(path)}: no palisade plugin config")
        for i, c in enumerate(configs):
            filled = json.loads(interpolate(json.dumps(c), EXAMPLE_VALUES))
            items.append({"where": f"{rel(path)} plugin #{i + 1}", "config": filled})
    lua = f"local ROOT = {json.dumps(ROOT)}\n" + LUA_VALIDATE
    run = subprocess.run([luajit, "-e", lua], input=json.dumps(items), capture_output=True, text=True, timeout=60)
    if run.returncode != 0:
        problems += [line for line in (run.stdout + run.stderr).splitlines() if line.strip()] or ["luajit failed"]
    report("plugin-schema", problems)


# --------------------------------------------------------------------------------------------
# topics


def palisade_topics():
    """PalisadeTopic's topics read from the Swift source: {name: "compact" | "delete"}, or None."""
    swift_dir = os.path.join(ROOT, "Sources", "PalisadeTransport")
    source = ""
    for dirpath, _, filenames in os.walk(swift_dir):
        for f in filenames:
            if f.endswith(".swift"):
                text = open(os.path.join(dirpath, f), encoding="utf-8").read()
                if "enum PalisadeTopic" in text:
                    source = text
    if not source:
        return None
    enum = source[source.index("enum PalisadeTopic"):]
    cases = dict(re.findall(r'case\s+(\w+)\s*=\s*"([^"]+)"', enum))
    m = re.search(r"isCompacted:\s*Bool\s*\{([^}]*)\}", enum)
    compacted_cases = set(re.findall(r"\.(\w+)", m.group(1))) if m else set()
    return {name: ("compact" if case in compacted_cases else "delete") for case, name in cases.items()}


def check_topics():
    problems = []
    expected = palisade_topics()
    if expected is None:
        report("topics", ["enum PalisadeTopic not found in Sources/PalisadeTransport"])
        return
    script = open(os.path.join(ROOT, "deploy", "kafka", "create-topics.sh"), encoding="utf-8").read()
    created = dict(re.findall(r"^create\s+(\S+)\s+(compact|delete)\s*$", script, re.M))
    if not expected or "compact" not in expected.values():
        problems.append("could not read the topics and their compaction from PalisadeTopic")
    for name, policy in expected.items():
        if name not in created:
            problems.append(f"create-topics.sh does not create {name}")
        elif created[name] != policy:
            problems.append(f"create-topics.sh: {name} cleanup.policy={created[name]}, PalisadeTopic says {policy}")
    for name in created:
        if name not in expected:
            problems.append(f"create-topics.sh creates {name}, which is not a PalisadeTopic")
    report("topics", problems)


STUB = """#!/usr/bin/env bash
# Records its arguments; fails while $STUB_FAILURES (a counter file) is above 0.
printf '%s\\n' "$*" >> "$STUB_LOG"
if [ -s "$STUB_FAILURES" ]; then
  n=$(cat "$STUB_FAILURES")
  if [ "$n" -gt 0 ]; then echo $((n - 1)) > "$STUB_FAILURES"; exit 1; fi
fi
exit 0
"""


def check_topics_script():
    import tempfile

    problems = []
    topics = palisade_topics() or {}
    compacted = tuple(name for name, policy in topics.items() if policy == "compact")
    script = os.path.join(ROOT, "deploy", "kafka", "create-topics.sh")
    with tempfile.TemporaryDirectory() as tmp:
        stub = os.path.join(tmp, "kafka-topics.sh")
        with open(stub, "w") as f:
            f.write(STUB)
        os.chmod(stub, 0o755)
        props = os.path.join(tmp, "client.properties")
        open(props, "w").write("security.protocol=SSL\n")

        def run(extra, failures=0):
            log, counter = os.path.join(tmp, "log"), os.path.join(tmp, "failures")
            open(log, "w").close()
            open(counter, "w").write(str(failures))
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "KAFKA_TOPICS_BIN": stub, "STUB_LOG": log,
                   "STUB_FAILURES": counter, "KAFKA_INIT_RETRY_SECS": "0", **extra}
            p = subprocess.run(["bash", script], env=env, capture_output=True, text=True, timeout=60)
            return p.returncode, [l for l in open(log).read().splitlines() if l], p.stdout + p.stderr

        base = {"KAFKA_BOOTSTRAP_SERVERS": "k1:9092,k2:9092", "KAFKA_TOPIC_PREFIX": "acme.", "KAFKA_PARTITIONS": "24",
                "KAFKA_REPLICATION_FACTOR": "3", "KAFKA_RETENTION_HOURS": "48", "KAFKA_CLIENT_PROPERTIES": props}
        rc, calls, out = run(base)
        creates = [c for c in calls if "--create" in c]
        if rc != 0:
            problems.append(f"exit {rc} against a healthy stub: {out.strip()[:300]}")
        if len(creates) != len(topics):
            problems.append(f"{len(creates)} create calls, expected {len(topics)} (PalisadeTopic)")
        for c in creates:
            topic = re.search(r"--topic (\S+)", c).group(1)
            want = ["--bootstrap-server k1:9092,k2:9092", f"--command-config {props}", "--if-not-exists",
                    "--partitions 24", "--replication-factor 3"]
            if topic.endswith(compacted):
                want += ["--config cleanup.policy=compact"]
                if "retention.ms" in c:
                    problems.append(f"{topic}: compacted topic with retention.ms")
            else:
                want += ["--config cleanup.policy=delete", "--config retention.ms=172800000"]
            if not topic.startswith("acme.palisade."):
                problems.append(f"{topic}: prefix missing")
            for w in want:
                if w not in c:
                    problems.append(f"{topic}: '{w}' missing in: {c}")
        # A refusing cluster: retried KAFKA_INIT_ATTEMPTS times, then a failure exit.
        rc, calls, out = run({**base, "KAFKA_INIT_ATTEMPTS": "3"}, failures=100)
        if rc == 0 or len(calls) != 3:
            problems.append(f"a refusing cluster: exit {rc} after {len(calls)} calls, expected failure after 3")
        # A transient refusal: recovers.
        rc, calls, out = run({**base, "KAFKA_INIT_ATTEMPTS": "3"}, failures=2)
        if rc != 0 or len([c for c in calls if "--create" in c]) != len(topics) + 2:
            problems.append(f"two transient failures: exit {rc}, {len(calls)} calls")
        for bad in ({"KAFKA_PARTITIONS": "0"}, {"KAFKA_REPLICATION_FACTOR": "x"}, {"KAFKA_TOPIC_PREFIX": "a b"},
                    {"KAFKA_BOOTSTRAP_SERVERS": ""}):
            rc, calls, out = run({**base, **bad})
            if rc == 0 or calls:
                problems.append(f"{bad}: accepted (exit {rc}, {len(calls)} calls)")
    report("topics-script", problems)


# --------------------------------------------------------------------------------------------
# Dockerfile


def dockerignore_patterns():
    path = os.path.join(ROOT, ".dockerignore")
    if not os.path.isfile(path):
        return []
    pats = []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line and not line.startswith("#"):
            pats.append(line.rstrip("/"))
    return pats


def ignored(relpath, patterns):
    result = False
    for p in patterns:
        negate = p.startswith("!")
        p = p[1:] if negate else p
        p = p[3:] if p.startswith("**/") else p
        parts = relpath.split("/")
        hit = any(fnmatch.fnmatch("/".join(parts[: i + 1]), p) for i in range(len(parts)))
        hit = hit or any(fnmatch.fnmatch(part, p) for part in parts) and "/" not in p
        if hit:
            result = not negate
    return result


def check_dockerfile():
    problems = []
    path = os.path.join(ROOT, "Dockerfile")
    if not os.path.isfile(path):
        report("dockerfile", ["Dockerfile missing"])
        return
    text = open(path, encoding="utf-8").read().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    patterns = dockerignore_patterns()
    if not patterns:
        problems.append(".dockerignore missing or empty")
    stages, current, last_user, entrypoint = [], None, {}, {}
    for line in lines:
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "FROM":
            m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", rest, re.I)
            current = m.group(2) or str(len(stages))
            stages.append(current)
        elif word == "COPY":
            args = rest.split()
            from_stage = next((a.split("=", 1)[1] for a in args if a.startswith("--from=")), None)
            srcs = [a for a in args if not a.startswith("--")][:-1]
            if from_stage:
                if from_stage not in stages:
                    problems.append(f"COPY --from={from_stage}: no such earlier stage")
                continue
            for src in srcs:
                full = os.path.join(ROOT, src.rstrip("/"))
                if not os.path.exists(full):
                    problems.append(f"COPY {src}: not in the build context")
                elif ignored(src.rstrip("/").lstrip("./"), patterns):
                    problems.append(f"COPY {src}: excluded by .dockerignore")
        elif word == "USER":
            last_user[current] = rest.strip()
        elif word == "ENTRYPOINT":
            entrypoint[current] = rest.strip()
    if len(stages) < 2:
        problems.append("not a multi-stage build")
    else:
        final = stages[-1]
        user = last_user.get(final, "")
        if not user or user.split(":")[0] in ("root", "0"):
            problems.append("the runtime stage does not switch to a non-root USER")
        try:
            ep = json.loads(entrypoint.get(final, "null"))
        except json.JSONDecodeError:
            ep = None
        if not ep or os.path.basename(ep[0]) != "palisade":
            problems.append('the runtime stage has no exec-form ENTRYPOINT ["palisade"]')
    if "--static-swift-stdlib" not in text:
        problems.append("swift build without --static-swift-stdlib")
    for pkg in ("librdkafka1", "libsqlite3-0", "ca-certificates"):
        if pkg not in text:
            problems.append(f"runtime package {pkg} not installed")
    # Everything the manifest needs must be in the context.
    for needed in ("Package.swift", "Sources", "Tests"):
        if ignored(needed, patterns):
            problems.append(f"{needed} is excluded by .dockerignore")
    report("dockerfile", problems)


# --------------------------------------------------------------------------------------------
# env names


def check_env_names(model, env):
    binary = os.environ.get("PALISADE_BIN") or os.path.join(ROOT, ".build", "debug", "palisade")
    if not os.access(binary, os.X_OK):
        report("env-names", [], skipped=f"no palisade binary at {rel(binary)} (build first, or set PALISADE_BIN)")
        return
    problems = []
    services = model["services"]
    config_file = os.path.join(COMPOSE_DIR, "config", "palisade.yaml")
    # Names Terraform assigns (NAME = value in the task definitions), tried with a placeholder.
    tf_dir = os.path.join(ROOT, "deploy", "terraform", "aws")
    tf_names = set()
    for f in os.listdir(tf_dir):
        if f.endswith(".tf"):
            text = open(os.path.join(tf_dir, f), encoding="utf-8").read()
            tf_names |= set(re.findall(r"^\s*(PALISADE_[A-Z0-9_]+)\s*=", text, re.M))
    tf_names.add("PALISADE_<ROLE>_TOKENS")  # secrets.tf/services.tf build it from the role name
    for role in ("mirror", "worker", "aggregator"):
        s = services.get(role)
        if not s:
            problems.append(f"compose has no {role} service")
            continue
        role_env = {k: interpolate(str(v), env) for k, v in (s.get("environment") or {}).items()}
        for name in tf_names:
            name = name.replace("<ROLE>", role.upper())
            shared = name.startswith(("PALISADE_TRANSPORT_", "PALISADE_KAFKA_"))
            if (shared or name.startswith(f"PALISADE_{role.upper()}_")) and name not in role_env:
                role_env[name] = "1"
        run_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **role_env}
        try:
            run = subprocess.run(
                [binary, role, "--config", config_file, "--print-config"],
                env=run_env, capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired:
            problems.append(f"palisade {role} --print-config did not finish in 30 s")
            continue
        if run.returncode != 0:
            problems.append(f"palisade {role} --print-config failed: {(run.stderr or run.stdout).strip()[:300]}")
            continue
        for name in sorted(role_env):
            if name.startswith("PALISADE_") and f"environment variable {name}" not in run.stdout:
                problems.append(f"palisade {role} does not read {name}")
    report("env-names", problems)


def main():
    check_yaml()
    result = check_compose()
    if result:
        model, env = result
        check_compose_kong(model)
    check_plugin_schema()
    check_topics()
    check_topics_script()
    check_dockerfile()
    if result:
        check_env_names(*result)
    else:
        report("env-names", [], skipped="compose did not load")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
