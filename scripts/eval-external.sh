#!/usr/bin/env bash
# Detection quality on EXTERNAL corpora (issue 3): public payload lists and benign data that Debian
# packages ship, none of them written for Palisade. Prints per-class TPR and the FPR at the three
# sensitivities (Markdown) and writes the misses and false positives to files. See BENCHMARKS.md
# ("External corpora") and docs/DETECTION.md.
#
#   scripts/eval-external.sh [--palisade PATH] [--out DIR] [--seed N] [--min-tpr P] [--max-fpr P]
#                            [--crs 'LEVELS']
#
# - Attacks: wfuzz (Injections/*, vulns/dirTraversal*, vulns/sql_inj), wapiti (xss, exec, blind SQL,
#   file handling, XXE payload files, its CRLF probe), sqlmap (boundaries × payload templates rendered
#   into concrete values). Each value in six placements: query, JSON body, form body, cookie,
#   User-Agent, path segment. wfuzz's server-specific probe paths are scored separately (monitor level).
# - Benign: python3-fake-factory (Faker, ten locales: names, addresses, prose, URLs, paths, JSON
#   profiles, passwords…), iso-codes names, wamerican words and phrases, miscfiles airports and
#   cities, Debian changelog entries of those packages, Faker browser user agents.
# - Nothing is copied into the repository: the corpus is built into OUT (default
#   build-artifacts/external/, gitignored) from the installed packages, whose versions are written to
#   OUT/sources.txt.
# - --min-tpr / --max-fpr (percent, default sensitivity) turn the run into a gate: exit 1 when the
#   attack TPR is below or the benign FPR above.
# - --crs '1 2' also replays the same requests (probe paths left out) through nginx + ModSecurity +
#   OWASP CRS at those paranoia levels via scripts/compare-crs.sh --requests (needs
#   scripts/bootstrap.sh modsec gateway; a few minutes per level) and writes OUT/crs.md.
# Requires: scripts/bootstrap.sh external; a palisade binary (default: .build/release/palisade, else
# .build/debug/palisade, else `swift build --product palisade`).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
palisade=""
out="$root/build-artifacts/external"
seed=3
min_tpr=""
max_fpr=""
crs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --palisade) palisade="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --min-tpr) min_tpr="$2"; shift 2 ;;
    --max-fpr) max_fpr="$2"; shift 2 ;;
    --crs) crs="$2"; shift 2 ;;
    *) echo "usage: $0 [--palisade PATH] [--out DIR] [--seed N] [--min-tpr P] [--max-fpr P] [--crs 'LEVELS']" >&2; exit 64 ;;
  esac
done

"$here/bootstrap.sh" external
# Debian's interpreter: python3-fake-factory lives in its dist-packages, not in a pyenv/venv python.
py=/usr/bin/python3
[ -x "$py" ] || py="$(command -v python3)"

if [ -z "$palisade" ]; then
  for candidate in "$root/.build/release/palisade" "$root/.build/debug/palisade"; do
    if [ -x "$candidate" ]; then palisade="$candidate"; break; fi
  done
  if [ -z "$palisade" ]; then
    (cd "$root" && swift build --product palisade >/dev/null)
    palisade="$root/.build/debug/palisade"
  fi
fi
[ -x "$palisade" ] || { echo "eval-external: $palisade is not executable" >&2; exit 1; }

mkdir -p "$out"
rm -f "$out"/{captures,values,requests,low,default,high}.jsonl "$out"/crs.md "$out"/*.tsv "$out"/*.log "$out"/summary.md "$out"/sources.txt
"$py" "$here/external/corpus.py" build "$out" --seed "$seed"
for sensitivity in low default high; do
  # Exit 3 would mean rejected records; the builder only writes well-formed ones, so fail loudly.
  "$palisade" scan --sensitivity "$sensitivity" "$out/captures.jsonl" > "$out/$sensitivity.jsonl" 2> "$out/$sensitivity.log" \
    || { echo "eval-external: palisade scan failed ($sensitivity):" >&2; tail -5 "$out/$sensitivity.log" >&2; exit 1; }
done
echo "sources: $(tr '\n' ' ' < "$out/sources.txt")"
"$py" "$here/external/corpus.py" score "$out" "$out/low.jsonl" "$out/default.jsonl" "$out/high.jsonl" | tee "$out/summary.md"

if [ -n "$crs" ]; then
  "$here/compare-crs.sh" --requests "$out/requests.jsonl" --levels "$crs" --seconds 2 --palisade "$palisade" \
    | tee "$out/crs.md"
fi

if [ -n "$min_tpr$max_fpr" ]; then
  "$py" - "$out/summary.md" "${min_tpr:-0}" "${max_fpr:-100}" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
tpr = float(re.search(r"^\| all attacks \| \d+ \| [\d.]+ % \| ([\d.]+) %", text, re.M).group(1))
fpr = float(re.search(r"^\| \*\*benign \(FPR\)\*\* \| \d+ \| [\d.]+ % \(\d+\) \| ([\d.]+) %", text, re.M).group(1))
ok = tpr >= float(sys.argv[2]) and fpr <= float(sys.argv[3])
print("eval-external gate (default): TPR %.1f %% (min %s), FPR %.2f %% (max %s): %s"
      % (tpr, sys.argv[2], fpr, sys.argv[3], "pass" if ok else "FAIL"))
sys.exit(0 if ok else 1)
PY
fi
