#!/usr/bin/env bash
# What judging one value costs, in instructions (valgrind's callgrind): for each kind of header
# value below, 500 GET requests that each carry a different value of that kind, against 500
# without it; the difference per request is the cost of decoding and judging one such value that
# the detection memo has not seen (a value unique to its request: a trace id, a referer, a new
# client's User-Agent). DecodeBench reads the requests from a file (DECODE_BENCH_FILE), one pass.
# Usage: scripts/bench-values.sh            (prints a table; BENCHMARKS.md, "Session 14")
set -euo pipefail
cd "$(dirname "$0")/../Benchmarks"
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
swift build -c release --product DecodeBench >/dev/null
bin="$(swift build -c release --show-bin-path)"
out="$(mktemp -d)"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
kinds = {
    "none": None,
    "x-amzn-trace-id": lambda i: f"Root=1-6921e3c0-{0x5a1f00000000 + i:x}00a1b2c3",
    "referer": lambda i: f"https://app.example.com/orders/{1000 + i * 7}?tab=items",
    "x-forwarded-for": lambda i: f"203.0.{i // 250}.{i % 250}, 10.20.0.4",
    "x-request-id": lambda i: f"0b9f8c1e-4a4d-4f55-9d0c-{100000000 + i:x}",
    "user-agent": lambda i: f"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_{i % 10}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.{i} Safari/605.1.15",
    "cookie": lambda i: f"session={(i * 2654435761) & 0xffffffff:x}9f86d081884c; theme=dark; consent=1",
    "x-user": lambda i: f"ada{i}@example.com",
    "x-note": lambda i: f"Leave at the door, please - ring twice {i}",
}
for name, make in kinds.items():
    with open(f"{out}/{name}.jsonl", "w") as f:
        for i in range(500):
            headers = [["accept", "application/json"]]
            if make:
                headers.append([name, make(i)])
            f.write(json.dumps({"id": f"r{i}", "ts": 0, "client_ip": "203.0.113.7", "method": "GET",
                                "host": "api.example.com", "path": "/v1/items", "headers": headers}) + "\n")
PY
count() {
  DECODE_BENCH_FILE="$out/$1.jsonl" SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind \
    --callgrind-out-file="$out/$1.out" --toggle-collect='*runPasses*' "$bin/DecodeBench" --passes 1 analyze \
    >"$out/$1.log" 2>&1
  sed -n 's/.*I *refs: *//p' "$out/$1.log" | tr -d ,
}
base=$(count none)
echo "| header value (one per request, never repeated) | analyze instructions per request | of which the value |"
echo "|---|---:|---:|"
echo "| none (GET /v1/items, Accept) | $((base / 500)) | — |"
for name in x-request-id x-forwarded-for x-user x-note cookie x-amzn-trace-id referer user-agent; do
  total=$(count "$name")
  echo "| \`$name\` | $((total / 500)) | $(((total - base) / 500)) |"
done
echo "(callgrind data: $out)"
