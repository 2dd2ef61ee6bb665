#!/usr/bin/env bash
# Side-by-side: ModSecurity v3 + OWASP CRS (Debian packages) at paranoia levels 1–4 vs Palisade, on
# the same requests built from Tests/PalisadeDetectTests/Corpus (attacks per class + every benign
# file). Prints a Markdown table: TPR, FPR, requests/s per engine. See BENCHMARKS.md.
#
#   scripts/compare-crs.sh [--sample N] [--seconds S] [--palisade PATH] [--levels '1 2 3 4'] [--keep DIR]
#                          [--requests FILE]
#
# --requests FILE replays a prebuilt requests.jsonl (same schema as corpus.py build writes) instead of
# the in-repo corpus — scripts/eval-external.sh --crs uses it for the external corpora.
# --sample N keeps at most N requests per corpus file (random, seeded); --keep DIR copies the work
# directory (requests, statuses, verdicts) there for inspection.
# - nginx runs on loopback only (127.0.0.1, a free port), one worker, ModSecurity in blocking mode
#   with CRS anomaly scoring (inbound threshold 5, the CRS default): a request counts as flagged when
#   the answer is not 200 (403 from CRS, or 400 when nginx itself refuses the request). Behind
#   ModSecurity, nginx proxies to a second loopback server that answers 200, so CRS sees request
#   bodies (a `return` in the protected location would answer before ModSecurity reads the body).
# - CRS is configured as an API operator would: PUT/PATCH/DELETE allowed, application/graphql an
#   allowed content type; everything else is the package's crs-setup.conf.
# - Palisade runs `palisade scan` on capture records of the identical requests, at each sensitivity;
#   flagged means `attack: true`.
# - requests/s: CRS through wrk (1 thread, 8 connections, S seconds per level, one nginx worker, so
#   one core); Palisade as records scanned per second by one `palisade scan` process (one core),
#   input repeated to last ≥ 1 s. Different harnesses (HTTP vs in-process): read them as orders of
#   magnitude, not a race.
# - protocol_anomaly.txt is left out: its framing oddities cannot all be sent over a socket, and
#   Palisade by design never makes an attack of an anomaly alone.
# Requires: scripts/bootstrap.sh modsec gateway; a release build of palisade (built if missing).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
sample=0
seconds=5
palisade=""
levels="1 2 3 4"
keep=""
requests=""
while [ $# -gt 0 ]; do
  case "$1" in
    --sample) sample="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --palisade) palisade="$2"; shift 2 ;;
    --levels) levels="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    --requests) requests="$2"; shift 2 ;;
    *) echo "usage: $0 [--sample N] [--seconds S] [--palisade PATH] [--levels '1 2 3 4'] [--keep DIR] [--requests FILE]" >&2; exit 64 ;;
  esac
done

for need in nginx wrk python3; do
  command -v "$need" >/dev/null || { echo "compare-crs: $need missing (scripts/bootstrap.sh modsec gateway)" >&2; exit 1; }
done
module=/usr/lib/nginx/modules/ngx_http_modsecurity_module.so
# The package's owasp-crs.load uses IncludeOptional, which libmodsecurity3 does not parse: the
# same files are included one by one below.
crs=/etc/modsecurity/crs/crs-setup.conf
[ -f "$module" ] && [ -f "$crs" ] || { echo "compare-crs: ModSecurity/CRS missing (scripts/bootstrap.sh modsec)" >&2; exit 1; }
if [ -z "$palisade" ]; then
  palisade="$root/.build/release/palisade"
  [ -x "$palisade" ] || (cd "$root" && swift build -c release --product palisade >/dev/null)
fi

work="$(mktemp -d /tmp/palisade-crs.XXXXXX)"
nginx_pid=""
cleanup() {
  if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then kill "$nginx_pid"; sleep 0.3; fi
  if [ -n "$keep" ]; then rm -rf "$keep"; cp -r "$work" "$keep"; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "$requests" ]; then
  cp "$requests" "$work/requests.jsonl"
  python3 -c 'import json,sys
with open(sys.argv[2], "w") as out:
    for l in open(sys.argv[1]): out.write(json.dumps(json.loads(l)["capture"]) + "\n")' "$work/requests.jsonl" "$work/captures.jsonl"
else
  python3 "$here/crs/corpus.py" build "$root/Tests/PalisadeDetectTests/Corpus" "$work" --sample "$sample" >&2
fi
python3 "$here/crs/corpus.py" wrk "$work"

free_port() { python3 "$here/testlib/ports.py"; }
port="$(free_port)"
backend="$(free_port)"
mkdir -p "$work/tmp"
: > "$work/rates.txt"

for level in $levels; do
  cat > "$work/modsec-pl$level.conf" <<CONF
SecRuleEngine On
SecRequestBodyAccess On
SecRequestBodyLimit 13107200
SecRequestBodyNoFilesLimit 1048576
SecRequestBodyLimitAction ProcessPartial
SecRule REQUEST_HEADERS:Content-Type "^(?:application(?:/soap\+|/)|text/)xml" "id:200000,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=XML"
SecRule REQUEST_HEADERS:Content-Type "^application/json" "id:200001,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"
SecResponseBodyAccess Off
SecAuditEngine Off
SecArgumentSeparator &
SecCookieFormat 0
SecUnicodeMapFile /etc/nginx/unicode.mapping 20127
SecStatusEngine Off
SecAction "id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=$level"
SecAction "id:900200,phase:1,nolog,pass,t:none,setvar:'tx.allowed_methods=GET HEAD POST OPTIONS PUT PATCH DELETE'"
SecAction "id:900220,phase:1,nolog,pass,t:none,setvar:'tx.allowed_request_content_type=|application/x-www-form-urlencoded| |multipart/form-data| |multipart/related| |text/xml| |application/xml| |application/soap+xml| |application/json| |application/graphql| |application/octet-stream| |text/plain|'"
Include /etc/modsecurity/crs/crs-setup.conf
Include /etc/modsecurity/crs/REQUEST-900-EXCLUSION-RULES-BEFORE-CRS.conf
Include /usr/share/modsecurity-crs/rules/*.conf
Include /etc/modsecurity/crs/RESPONSE-999-EXCLUSION-RULES-AFTER-CRS.conf
CONF
  cat > "$work/nginx.conf" <<CONF
load_module $module;
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/error.log error;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $work/tmp/body;
  proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fastcgi;
  uwsgi_temp_path $work/tmp/uwsgi;
  scgi_temp_path $work/tmp/scgi;
  client_max_body_size 2m;
  server {
    listen 127.0.0.1:$backend;
    location / { return 200 "ok\n"; }
  }
  server {
    listen 127.0.0.1:$port;
    modsecurity on;
    modsecurity_rules_file $work/modsec-pl$level.conf;
    location / { proxy_pass http://127.0.0.1:$backend; }
  }
}
CONF
  nginx -c "$work/nginx.conf" -p "$work" -e "$work/error.log" &
  nginx_pid=$!
  for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && break
    sleep 0.2
  done
  python3 "$here/crs/corpus.py" replay "$work" "$port" "PL$level"
  rate="$(wrk -t1 -c8 -d"${seconds}s" -s "$work/wrk.lua" "http://127.0.0.1:$port" 2>/dev/null | awk '/Requests\/sec/ {printf "%d", $2}')"
  echo "PL$level $rate" >> "$work/rates.txt"
  echo "compare-crs: PL$level done ($rate requests/s)" >&2
  kill "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true; nginx_pid=""
done

count="$(wc -l < "$work/captures.jsonl")"
for sensitivity in low default high; do
  "$palisade" scan --sensitivity "$sensitivity" "$work/captures.jsonl" > "$work/$sensitivity.jsonl" 2>/dev/null || true
done
# Speed: repeat the input until it is at least ~20 000 records, time one scan.
repeat=$(( (20000 + count - 1) / count ))
for _ in $(seq "$repeat"); do cat "$work/captures.jsonl"; done > "$work/speed.jsonl"
start=$(date +%s.%N)
"$palisade" scan "$work/speed.jsonl" > /dev/null 2>&1 || true
end=$(date +%s.%N)
rate="$(python3 -c "print(int($repeat * $count / ($end - $start)))")"
for sensitivity in low default high; do echo "$sensitivity $rate" >> "$work/rates.txt"; done

python3 "$here/crs/corpus.py" score "$work" $(for level in $levels; do printf 'PL%s ' "$level"; done) --palisade "$work/low.jsonl" "$work/default.jsonl" "$work/high.jsonl"
