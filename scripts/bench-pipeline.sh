#!/usr/bin/env bash
# Pipeline benchmark (not a test; figures in BENCHMARKS.md, "Pipeline"): release build, then the
# end-to-end setup (nginx + plugin → mirror → dev-kafka → 2 workers → aggregator, each a process, on
# loopback) measures detect-to-block latency over several attackers, throughput through the gateway
# (wrk, bounded) until everything is scored, and throughput of `palisade replay` into the mirror.
# Options are passed to scripts/e2e/bench.py (--attackers, --wrk-seconds, --wrk-connections,
# --replay-records, --scoring-tasks).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH=/opt/swift/usr/bin:$PATH

scripts/bootstrap.sh build kafka gateway >&2 || exit 1
swift build -c release --product palisade || exit 1
palisade="$root/.build/release/palisade"

tmp=$(mktemp -d /tmp/palisade-bench-pipeline.XXXXXX)
cleanup() {
  if [ -s "$tmp/pids" ]; then
    while read -r pid; do kill -TERM -- "-$pid" 2>/dev/null; done <"$tmp/pids"
    sleep 2
    while read -r pid; do kill -KILL -- "-$pid" 2>/dev/null; done <"$tmp/pids"
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "# $(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%dT%H:%MZ)"
timeout --signal=TERM --kill-after=30 1800 python3 scripts/e2e/bench.py --palisade "$palisade" --workdir "$tmp" "$@"
