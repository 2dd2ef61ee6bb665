#!/usr/bin/env bash
# Fuzzes the decode layer with libFuzzer for a bounded time.
# Usage: scripts/fuzz.sh [seconds=60] [extra libFuzzer flags…]
# Builds .build-fuzz/decode-fuzz (PalisadeCore + Fuzz/DecodeFuzz.swift, -sanitize=fuzzer,address),
# keeps its corpus in .build-fuzz/corpus and writes crashes as .build-fuzz/crash-*.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
out=.build-fuzz
mkdir -p "$out/corpus"
mapfile -t sources < <(find Sources/PalisadeCore -name '*.swift' | sort)
swiftc -parse-as-library -sanitize=fuzzer,address -O -module-name PalisadeFuzz \
  -I Sources/CZlib "${sources[@]}" Fuzz/DecodeFuzz.swift -lz -o "$out/decode-fuzz"
"$out/decode-fuzz" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
  -artifact_prefix="$out/" "$@" "$out/corpus" Fuzz/seeds
