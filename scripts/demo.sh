#!/usr/bin/env bash
# The main job at this stage of the project: decode and score the example captures with
# `palisade scan` (the roles and `palisade up` land in later issues; see README "Status").
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(swift build -c release --show-bin-path)/palisade"
echo "== palisade scan --explain examples/captures.jsonl"
echo "   (8 requests: benign calls and nested attacks; two malformed lines are rejected on purpose)"
echo
status=0
"$bin" scan --explain examples/captures.jsonl || status=$?
echo
echo "exit status $status (3 = some records were rejected, the rest scanned; see 'palisade scan --help')"
