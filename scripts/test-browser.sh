#!/usr/bin/env bash
# Dashboard tests in a real headless browser (Chromium + chromedriver via python3-selenium):
# a live pipeline from the debug binary, replayed attack traffic, then every page, charts,
# filters, add/lift, read-only, stored XSS. Installs what it needs (scripts/bootstrap.sh browser).
# Screenshots: build-artifacts/browser/ (or $ARTIFACTS). Last line: "browser: N passed, M failed".
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH=/opt/swift/usr/bin:$PATH

scripts/bootstrap.sh browser >&2 || { echo "browser: 0 passed, 1 failed"; exit 1; }
if [ ! -x .build/debug/palisade ]; then
  swift build --product palisade >&2 || { echo "browser: 0 passed, 1 failed"; exit 1; }
fi

# Debian's python3 (python3-selenium), not whatever python3 comes first on PATH
timeout --kill-after=15 300 /usr/bin/python3 scripts/browser/dashboard_test.py
rc=$?
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "browser: timed out after 300 s"
  echo "browser: 0 passed, 1 failed"
fi
exit "$rc"
