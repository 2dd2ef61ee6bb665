#!/usr/bin/env bash
# Runs the decode/analyze benchmark (release build, single thread, allocation counting through
# the malloc interposer). Usage: scripts/bench.sh [seconds-per-phase=5]
set -euo pipefail
cd "$(dirname "$0")/../Benchmarks"
swift build -c release --product DecodeBench >/dev/null
LD_PRELOAD="$(swift build -c release --show-bin-path)/libMallocInterposerSwift.so" \
  "$(swift build -c release --show-bin-path)/DecodeBench" "${1:-5}"
