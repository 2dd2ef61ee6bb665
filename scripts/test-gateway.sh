#!/usr/bin/env bash
# Gateway plugin tests: busted specs (stubbed ngx/Kong PDK), luacheck, then integration on real nginx with
# the real `palisade mirror` and `palisade aggregator` (debug binary; fakes only for record inspection
# and fault injection; loopback only), the nginx example snippet and the DB-less kong.yml.
# Installs what it needs (scripts/bootstrap.sh gateway); builds .build/debug/palisade when it is
# missing (PALISADE_BIN points elsewhere). Last line: "gateway: N passed, M failed".
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/bootstrap.sh gateway >&2 || { echo "gateway: 0 passed, 1 failed"; exit 1; }

passed=0
failed=0
tmp=$(mktemp -d /tmp/palisade-gw-test.XXXXXX)
cleanup() {
  # an nginx left by an interrupted snippet test: stop it by its own pid file
  if [ -s "$tmp/ngx/nginx.pid" ]; then kill -QUIT "$(cat "$tmp/ngx/nginx.pid")" 2>/dev/null; sleep 0.5; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

step() { echo; echo "== $*"; }
count() { # name rc
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "ok - $1"; else failed=$((failed + 1)); echo "not ok - $1"; fi
}

started=$(date +%s)

# 1. busted specs (TAP: one "ok"/"not ok" line per test)
step "busted specs (kong/spec/*_spec.lua)"
(cd kong && timeout 120 busted --lua=luajit -o TAP) >"$tmp/busted.tap" 2>&1
rc=$?
cat "$tmp/busted.tap"
b_ok=$(grep -c '^ok ' "$tmp/busted.tap")
b_fail=$(grep -c '^not ok ' "$tmp/busted.tap")
if [ "$rc" -ne 0 ] && [ "$b_fail" -eq 0 ]; then b_fail=1; fi  # crashed before reporting
passed=$((passed + b_ok)); failed=$((failed + b_fail))

# 1b. static check of the Lua (config: kong/.luacheckrc)
step "luacheck"
(cd kong && luacheck --no-color -q .)
count "luacheck: no warnings in kong/" $?

# 2. integration on real nginx, with the real mirror and aggregator (the debug binary `make test`
#    has just built; built here when missing)
step "integration (kong/spec/integration/run.py, real nginx + palisade mirror/aggregator)"
export PALISADE_BIN="${PALISADE_BIN:-$root/.build/debug/palisade}"
if [ ! -x "$PALISADE_BIN" ]; then
  echo "# $PALISADE_BIN is missing: swift build --product palisade"
  (export PATH="/opt/swift/usr/bin:$PATH"; swift build --product palisade) >"$tmp/build.out" 2>&1 \
    || { tail -20 "$tmp/build.out"; echo "# cannot build $PALISADE_BIN: the integration tests cannot run"; }
fi
PYTHONDONTWRITEBYTECODE=1 timeout 240 python3 kong/spec/integration/run.py 2>&1 | tee "$tmp/integration.out"
summary=$(grep -E '^integration: [0-9]+ passed, [0-9]+ failed$' "$tmp/integration.out" | tail -1)
if [ -n "$summary" ]; then
  i_ok=$(echo "$summary" | sed -E 's/^integration: ([0-9]+) passed.*/\1/')
  i_fail=$(echo "$summary" | sed -E 's/.* ([0-9]+) failed$/\1/')
else
  i_ok=0; i_fail=1  # crashed or timed out
fi
passed=$((passed + i_ok)); failed=$((failed + i_fail))

# 3. the documented nginx snippet: nginx starts with it, and refuses to start with a bad plugin
#    config (init_by_lua validates; `nginx -t` does not run init_by_lua, so start it for real)
step "nginx example snippet (kong/nginx/palisade.conf.example)"
mkdir -p "$tmp/ngx"
port=$(python3 "$root/scripts/testlib/ports.py")
sed "s|/opt/palisade/kong/|$root/kong/|" kong/nginx/palisade.conf.example >"$tmp/ngx/palisade.conf"
cat >"$tmp/ngx/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
pid $tmp/ngx/nginx.pid;
worker_processes 1;
worker_shutdown_timeout 5s;
events {}
http {
  client_body_temp_path $tmp/ngx/body; proxy_temp_path $tmp/ngx/proxy; fastcgi_temp_path $tmp/ngx/fcgi;
  uwsgi_temp_path $tmp/ngx/uwsgi; scgi_temp_path $tmp/ngx/scgi;
  access_log off;
  include $tmp/ngx/palisade.conf;
  server { listen 127.0.0.1:$port; location / { return 200 "up"; } }
}
CONF
ngx() { nginx -p "$tmp/ngx" -c "$tmp/ngx/nginx.conf" -e "$tmp/ngx/error.log" "$@"; }
ngx 2>&1 && sleep 0.3 && [ "$(curl -s --max-time 2 "http://127.0.0.1:$port/")" = "up" ]
count "nginx starts and serves with the example snippet" $?
ngx -s quit 2>/dev/null
for _ in $(seq 1 50); do [ -e "$tmp/ngx/nginx.pid" ] || break; sleep 0.1; done
sed -i 's/max_body_bytes = 8192,/max_body_bytes = -1,/' "$tmp/ngx/palisade.conf"
if ngx >"$tmp/ngx/bad.out" 2>&1; then
  ngx -s quit 2>/dev/null
  count "nginx refuses to start with an invalid plugin config" 1
else
  grep -q "max_body_bytes: value should be between" "$tmp/ngx/bad.out" "$tmp/ngx/error.log"
  count "nginx refuses to start with an invalid plugin config" $?
fi

# 4. the DB-less example
step "deck validate -s kong/kong.yml"
deck validate -s kong/kong.yml 2>&1
count "deck validate accepts kong/kong.yml" $?

echo
echo "# gateway tests took $(( $(date +%s) - started )) s"
echo "gateway: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
