#!/usr/bin/env bash
# End-to-end test over Kafka (issue 9): real nginx + the Palisade Lua plugin → palisade mirror →
# palisade dev-kafka (librdkafka mock cluster) → 2 × palisade worker → palisade aggregator → decisions
# → nginx blocks the attacker while normal clients pass; then the failure run (a worker SIGKILLed, a
# broker down and back, the aggregator killed and restarted). Each role is a separate process of the
# already-built debug binary (`swift build`; `make test` builds first). Loopback only, ports from the OS.
# Installs what it needs (scripts/bootstrap.sh gateway kafka). Last line: "e2e: N passed, M failed".
# PALISADE_BIN overrides the binary; KEEP_E2E=1 keeps the work directory (logs, SQLite file).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/bootstrap.sh gateway kafka >&2 || { echo "e2e: 0 passed, 1 failed"; exit 1; }

palisade=${PALISADE_BIN:-$root/.build/debug/palisade}
if [ ! -x "$palisade" ]; then
  echo "e2e: $palisade is not built (run swift build first)" >&2
  echo "e2e: 0 passed, 1 failed"
  exit 1
fi

tmp=$(mktemp -d /tmp/palisade-e2e.XXXXXX)
cleanup() {
  # Every process the harness started leads its own process group (nginx: with its workers). The
  # harness stops them itself; this is the safety net if it was killed or timed out.
  if [ -s "$tmp/pids" ]; then
    while read -r pid; do kill -TERM -- "-$pid" 2>/dev/null; done <"$tmp/pids"
    for _ in $(seq 1 50); do
      left=0
      while read -r pid; do kill -0 -- "-$pid" 2>/dev/null && left=1; done <"$tmp/pids"
      [ "$left" -eq 0 ] && break
      sleep 0.1
    done
    while read -r pid; do kill -KILL -- "-$pid" 2>/dev/null; done <"$tmp/pids"
  fi
  if [ -n "${KEEP_E2E:-}" ]; then echo "e2e: work directory kept: $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# The harness runs in the background so that a signal to this script is handled at once: the trap
# forwards it (through `timeout`) to the harness, which stops its processes, then cleanup runs.
: >"$tmp/e2e.out"
timeout --signal=TERM --kill-after=30 600 python3 -u scripts/e2e/e2e_test.py --palisade "$palisade" --workdir "$tmp" \
  >"$tmp/e2e.out" 2>&1 &
harness=$!
trap 'kill -TERM "$harness" 2>/dev/null; wait "$harness"; exit 130' INT TERM
tail -n +1 -f --pid="$harness" "$tmp/e2e.out" &
printer=$!
wait "$harness"
wait "$printer"
summary=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed$' "$tmp/e2e.out" | tail -1)
if [ -z "$summary" ]; then
  echo "e2e: 0 passed, 1 failed"  # crashed or timed out before reporting
  exit 1
fi
[ "$summary" != "${summary% 0 failed}" ]
