#!/usr/bin/env bash
# Mirror ingest benchmark: `palisade replay` → `palisade mirror` on loopback, into the in-process
# transport and into Kafka (librdkafka's mock cluster, `palisade dev-kafka`).
#
# Usage: scripts/bench-mirror.sh [records=1000000] [batch=1000] [concurrency=4]
# Needs a release build: swift build -c release --product palisade (or PALISADE_BIN=path/to/palisade)
#
# Reports records/s seen by replay (wall clock, all processes sharing the machine) and the
# mirror's records per CPU-second (its user+system time from /proc: the per-core figure).
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${1:-1000000}
BATCH=${2:-1000}
CONCURRENCY=${3:-4}
BIN=${PALISADE_BIN:-"$(swift build -c release --show-bin-path)/palisade"}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
TOKEN=bench-token
# A free loopback port (other benchmarks and tests may run on this machine).
PORT=$(python3 scripts/testlib/ports.py)

# 10 000 capture records like a gateway plugin sends (~700 bytes: headers, a JSON body).
python3 - "$WORK/captures.jsonl" <<'EOF'
import base64, json, random, sys
random.seed(7)
with open(sys.argv[1], "w") as out:
    for i in range(10_000):
        body = json.dumps({"user_id": random.randint(1, 10**6), "items": [{"sku": f"SKU-{random.randint(1, 9999)}", "qty": random.randint(1, 5)}], "note": "x" * random.randint(10, 120)})
        record = {
            "ts": 1763700000000 + i, "node": "kong-1", "client_ip": f"203.0.113.{i % 250}",
            "method": random.choice(["GET", "GET", "POST", "PUT"]), "scheme": "https", "host": "api.example.com",
            "path": f"/v1/users/{random.randint(1, 10**6)}/orders?expand=items&page={i % 7}",
            "headers": [["content-type", "application/json"], ["user-agent", "mobile-app/4.2 (iOS 17.1)"],
                        ["authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJl"],
                        ["accept", "application/json"], ["x-request-id", f"req-{i:08d}"]],
            "body_b64": base64.b64encode(body.encode()).decode(),
            "status": 200, "latency_ms": round(random.uniform(1, 40), 2), "response_bytes": random.randint(100, 5000),
            "service": "users", "route": "users-v1", "consumer": "mobile-app",
        }
        out.write(json.dumps(record, separators=(",", ":")) + "\n")
EOF
echo "input: $(wc -c < "$WORK/captures.jsonl") bytes, 10000 records" >&2

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() {
    local label=$1; shift
    PALISADE_MIRROR_TOKENS=$TOKEN "$BIN" mirror --listen-port $PORT --log-level warning \
        --set mirror.buffer_max_records=400000 "$@" 2>"$WORK/mirror-$label.log" &
    local pid=$!
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
    # warm-up
    "$BIN" replay "$WORK/captures.jsonl" --to "http://127.0.0.1:$PORT" --token $TOKEN --batch "$BATCH" \
        --count 20000 --loop --quiet >/dev/null 2>&1
    local before; before=$(cpu_ticks $pid)
    local report
    report=$("$BIN" replay "$WORK/captures.jsonl" --to "http://127.0.0.1:$PORT" --token $TOKEN --batch "$BATCH" \
        --concurrency "$CONCURRENCY" --loop --count "$RECORDS" --quiet 2>/dev/null)
    # let the producer catch up before reading the CPU time
    sleep 2
    local after; after=$(cpu_ticks $pid)
    local hz; hz=$(getconf CLK_TCK)
    kill -TERM $pid; wait $pid || true
    python3 - "$label" "$report" "$before" "$after" "$hz" <<'EOF'
import json, sys
label, report, before, after, hz = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
cpu = (after - before) / hz
print(f"| {label} | {report['accepted']:,} | {report['records_per_second']:,.0f} | {cpu:.2f} | "
      f"{report['accepted'] / cpu if cpu else 0:,.0f} |")
EOF
}

echo "| transport | records | records/s (replay, wall) | mirror CPU s | records per mirror CPU-second |"
echo "|---|---|---|---|---|"
run "in-process" --transport inprocess
"$BIN" dev-kafka --brokers 1 --partitions 12 >"$WORK/kafka.addr" 2>/dev/null &
for _ in $(seq 50); do [ -s "$WORK/kafka.addr" ] && break; sleep 0.1; done
run "Kafka (mock cluster, 1 broker, 12 partitions)" --kafka-bootstrap "$(head -1 "$WORK/kafka.addr")"
