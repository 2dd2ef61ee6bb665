#!/usr/bin/env bash
# The demo (`make demo`): the whole of Palisade on one machine, with real traffic.
#
#   1. `palisade up` (mirror + worker + aggregator in one process) with a temporary data dir;
#   2. a real nginx with the Palisade plugin in front of a small demo API (examples/demo/);
#   3. `palisade replay --through` sends examples/demo/traffic.jsonl through nginx as real HTTP
#      requests: normal clients mixed with nested-payload attacks, a brute-force run and an
#      enumeration run (each simulated client has its own X-Forwarded-For address);
#   4. it waits for the aggregator's decisions, sends examples/demo/after.jsonl (ordinary requests
#      from every client) and prints what the running system reports: attacks by class, top
#      clients, active decisions with their reasons, and who was refused (403) or served (200).
#
# Then it keeps everything running until Ctrl-C (DEMO_EXIT=1 or --once: stop after printing).
# Ports: DEMO_MIRROR_PORT (8470), DEMO_API_PORT (8082), DEMO_GATEWAY_PORT (8080). PALISADE_BIN: another binary.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

once=${DEMO_EXIT:-0}
[ "${1:-}" = "--once" ] && once=1
mirror_port=${DEMO_MIRROR_PORT:-8470}
api_port=${DEMO_API_PORT:-8082}
gateway_port=${DEMO_GATEWAY_PORT:-8080}

scripts/bootstrap.sh build kafka demo
export PATH="$PATH:/opt/swift/usr/bin"
bin=${PALISADE_BIN:-}   # another binary (e.g. a debug build) instead of the release one
if [ -z "$bin" ]; then
  bin="$(swift build -c release --show-bin-path)/palisade"
  if [ ! -x "$bin" ]; then
    echo "demo: building palisade (release)…"
    swift build -c release
  fi
fi

for port in "$mirror_port" "$api_port" "$gateway_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "demo: port $port on 127.0.0.1 is in use (set DEMO_MIRROR_PORT / DEMO_API_PORT / DEMO_GATEWAY_PORT)" >&2
    exit 1
  fi
done

work=$(mktemp -d /tmp/palisade-demo.XXXXXX)
chmod 755 "$work"   # nginx workers (nobody when started as root) use the temp dirs below
up_pid=""
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "demo: stopping"
  if [ -s "$work/nginx/nginx.pid" ]; then kill -QUIT "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true; fi
  if [ -n "$up_pid" ] && kill -0 "$up_pid" 2>/dev/null; then
    kill -TERM "$up_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$up_pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$up_pid" 2>/dev/null && kill -KILL "$up_pid" 2>/dev/null || true
  fi
  if [ "${DEMO_KEEP:-0}" = 1 ]; then echo "demo: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n== %s\n' "$*"; }
wait_http() { # url seconds
  local deadline=$((SECONDS + $2))
  until curl -s -o /dev/null --max-time 1 "$1"; do
    [ $SECONDS -lt $deadline ] || { echo "demo: $1 did not answer in $2 s" >&2; return 1; }
    sleep 0.2
  done
}

say "palisade up (data: $work/data)"
"$bin" up --data-dir "$work/data" --mirror-port "$mirror_port" --aggregator-port "$api_port" \
  --log-level warning >"$work/up.log" 2>&1 &
up_pid=$!
wait_http "http://127.0.0.1:$api_port/readyz" 60 || { cat "$work/up.log" >&2; exit 1; }
wait_http "http://127.0.0.1:$mirror_port/readyz" 30 || { cat "$work/up.log" >&2; exit 1; }
for _ in $(seq 1 100); do grep -q "palisade up: ready" "$work/up.log" && break; sleep 0.1; done
sed -n '/palisade up: ready/,/stop /p' "$work/up.log"
set -a
# shellcheck disable=SC1091
. "$work/data/tokens.env"
set +a

say "nginx + Palisade plugin + demo API on 127.0.0.1:$gateway_port"
mkdir -p "$work/nginx"
for d in body proxy fastcgi uwsgi scgi; do mkdir -p "$work/nginx/$d"; chmod 777 "$work/nginx/$d"; done
sed -e "s|@DIR@|$work/nginx|g" -e "s|@ROOT@|$root|g" -e "s|@MODULES@|/usr/lib/nginx/modules|g" \
  -e "s|@PORT@|$gateway_port|g" -e "s|@MIRROR@|http://127.0.0.1:$mirror_port|g" \
  -e "s|@AGGREGATOR@|http://127.0.0.1:$api_port|g" examples/demo/nginx.conf.tmpl >"$work/nginx/nginx.conf"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log"
wait_http "http://127.0.0.1:$gateway_port/health" 10
echo "nginx $(nginx -v 2>&1 | sed 's|.*/||') serving; try: curl -s http://127.0.0.1:$gateway_port/api/users/1"

api() { curl -sf --max-time 10 -H "Authorization: Bearer $PALISADE_AGGREGATOR_TOKEN" "http://127.0.0.1:$api_port$1"; }

say "replay examples/demo/traffic.jsonl through the gateway (normal clients + attacks, real HTTP)"
set +e
"$bin" replay examples/demo/traffic.jsonl --through "http://127.0.0.1:$gateway_port" --concurrency 8 --rate 300 \
  --quiet >"$work/phase1.json"
set -e

attackers="203.0.113.66 203.0.113.99 198.51.100.23 198.51.100.77"
say "waiting for the aggregator's decisions (up to 30 s)"
deadline=$((SECONDS + 30))
while :; do
  api "/v1/decisions" >"$work/decisions.json" || true
  missing=$(python3 - "$work/decisions.json" $attackers <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    d = {"upserts": []}
have = {u["value"] for u in d.get("upserts", []) if u.get("action") == "block"}
print(" ".join(a for a in sys.argv[2:] if a not in have))
PY
  )
  [ -z "$missing" ] && { echo "every attacking client has a block decision"; break; }
  [ $SECONDS -lt $deadline ] || { echo "after 30 s still without a block decision: $missing"; break; }
  sleep 0.5
done
sleep 1.5   # the plugin's long-poll has the decisions within milliseconds; leave it a margin

say "replay examples/demo/after.jsonl: ordinary requests from every client"
set +e
"$bin" replay examples/demo/after.jsonl --through "http://127.0.0.1:$gateway_port" --concurrency 4 \
  --quiet >"$work/phase2.json"
set -e
sleep 1.5   # let the last taps reach the aggregator

api "/v1/incidents?limit=200" >"$work/incidents.json"
api "/v1/decisions" >"$work/decisions.json"
api "/v1/status" >"$work/status.json"
api "/v1/endpoints?limit=100" >"$work/endpoints.json"
curl -sf --max-time 10 -H "Authorization: Bearer $PALISADE_MIRROR_TOKEN" "http://127.0.0.1:$mirror_port/metrics" \
  >"$work/metrics.txt" || true

say "what Palisade reports (read from the running aggregator and the replays)"
python3 - "$work" "$attackers" <<'PY'
import collections, json, os, sys
work, attackers = sys.argv[1], sys.argv[2].split()
load = lambda name: json.load(open(os.path.join(work, name)))
incidents = load("incidents.json")["incidents"]
decisions = load("decisions.json")["upserts"]
phase1, phase2 = load("phase1.json"), load("phase2.json")
endpoints = load("endpoints.json")

by_class = collections.Counter()
by_client = collections.Counter()
classes_of = collections.defaultdict(set)
for i in incidents:
    by_class[i["class"]] += i["attacks"]
    by_client[i["client"]] += i["attacks"]
    classes_of[i["client"]].add(i["class"])
print("\nAttacks by class (GET /v1/incidents):")
for cls, n in by_class.most_common():
    print("  %-22s %4d" % (cls, n))
print("\nTop clients:")
for client, n in by_client.most_common(8):
    print("  %-16s %4d  %s" % (client, n, ", ".join(sorted(classes_of[client]))))
print("\nActive decisions (GET /v1/decisions; block is enforced by the gateway, monitor only recorded):")
for d in sorted(decisions, key=lambda d: (d["action"] != "block", d["value"])):
    print("  %-6s %-3s %-16s rule %-14s %s" % (d["action"], d["scope"], d["value"], d.get("source_rule", "-"),
                                              d.get("reason", "")))
print("\nDiscovered endpoints (GET /v1/endpoints): %d: %s" % (
    endpoints.get("total", 0),
    ", ".join("%s %s" % (e["method"], e["template"]) for e in endpoints.get("endpoints", []))))

def statuses(counts):
    return ", ".join("%s: %d" % (k, v) for k, v in sorted(counts.items()))
print("\nPhase 1, %d requests through nginx: %s" % (phase1.get("sent", 0), statuses(phase1.get("statuses", {}))))
refused = {c: n.get("403", 0) for c, n in phase1.get("clients", {}).items() if n.get("403", 0)}
if refused:
    print("  refused during phase 1 (the decision arrived while the client was still at it): %s" % ", ".join(
        "%s %d" % (c, n) for c, n in sorted(refused.items())))
print("Phase 2 (after the decisions), by client:")
blocked_ok, normal_ok = 0, 0
for client, counts in sorted(phase2.get("clients", {}).items()):
    role = "attacker" if client in attackers else "normal"
    print("  %-16s %-8s %s" % (client, role, statuses(counts)))
    total = sum(counts.values())
    if role == "attacker" and counts.get("403", 0) == total:
        blocked_ok += 1
    if role == "normal" and counts.get("403", 0) == 0:
        normal_ok += 1
n_att = sum(1 for c in phase2.get("clients", {}) if c in attackers)
n_norm = len(phase2.get("clients", {})) - n_att
print("\n%d of %d attacking clients refused with 403 on every request; %d of %d normal clients never refused."
      % (blocked_ok, n_att, normal_ok, n_norm))
dead = [l for l in open(os.path.join(work, "metrics.txt")) if l.startswith("palisade_deadletters_total")]
if dead:
    print("Dead letters: %s" % dead[0].split()[-1])
PY

say "running"
cat <<EOF
  dashboard (token login)     http://127.0.0.1:$api_port/ui/
  aggregator API              http://127.0.0.1:$api_port/v1/
  mirror (capture)            http://127.0.0.1:$mirror_port/v1/capture
  gateway (nginx + plugin)    http://127.0.0.1:$gateway_port/api/orders
  tokens                      $work/data/tokens.env   (source it, then: palisade decisions list)
  logs                        $work/up.log, $work/nginx/error.log
EOF
if [ "$once" = 1 ]; then
  echo "DEMO_EXIT=1: stopping now"
  exit 0
fi
echo "Ctrl-C stops everything."
while kill -0 "$up_pid" 2>/dev/null; do sleep 1; done
echo "demo: palisade up exited; see $work/up.log"
