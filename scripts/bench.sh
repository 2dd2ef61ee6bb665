#!/usr/bin/env bash
# Runs the decode/analyze benchmark (release build, single thread, allocation counting through
# the malloc interposer). Usage:
#   scripts/bench.sh [seconds-per-phase=5]    requests/s, latency, allocations per request
#   scripts/bench.sh --callgrind              instructions per request (valgrind's callgrind,
#                                             one pass over the 2,000-request corpus per stage;
#                                             repeatable on a shared machine, unlike wall time:
#                                             fixed memo seed, SWIFT_DETERMINISTIC_HASHING=1;
#                                             also given without the malloc interposer's own
#                                             wrappers, which production binaries do not have)
set -euo pipefail
cd "$(dirname "$0")/../Benchmarks"
swift build -c release --product DecodeBench >/dev/null
bin="$(swift build -c release --show-bin-path)"
if [[ "${1:-}" == "--callgrind" ]]; then
  command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
  out="$(mktemp -d)"
  for stage in decode analyze; do
    SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --callgrind-out-file="$out/$stage.out" --toggle-collect='*runPasses*' \
      "$bin/DecodeBench" --passes 1 "$stage" >"$out/$stage.log" 2>&1
    total=$(sed -n 's/.*I *refs: *//p' "$out/$stage.log" | tr -d ,)
    # DecodeBench links the malloc interposer (allocation counts); its wrappers' own
    # instructions are measurement, not product: reported apart (malloc's work itself stays in).
    interposer=$({ callgrind_annotate --inclusive=no --threshold=100 "$out/$stage.out" 2>/dev/null || true; } |
      awk '/libMallocInterposerSwift\.so\]/ { gsub(",", "", $1); sum += $1 } END { print sum + 0 }')
    echo "$stage: $((total / 2000)) instructions/request, $(((total - interposer) / 2000)) without the malloc interposer's wrappers  (callgrind data: $out/$stage.out)"
  done
  exit 0
fi
LD_PRELOAD="$bin/libMallocInterposerSwift.so" "$bin/DecodeBench" "${1:-5}"
