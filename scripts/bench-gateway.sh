#!/usr/bin/env bash
# Gateway plugin overhead (a benchmark, not a test): wrk on loopback against one nginx with four
# servers — no plugin, check only, check with 10,000 decisions in the dict, tap + check — and the
# added latency per request (p50/p99) against the no-plugin server. One nginx worker; wrk with one
# thread and one connection, so latency is per request, not queueing. The machine is shared, so
# the cases are interleaved in BENCH_ROUNDS rounds (5) of BENCH_SECONDS (2 s) each and the added
# latency is the median over rounds of (case − no-plugin of the same round). Then an in-worker
# micro-benchmark times the plugin's own work per request (µs per call, 20,000 calls).
# Bounded: 4 cases × rounds × seconds (40 s by default) + a few seconds. Only 127.0.0.1.
# Usage: scripts/bench-gateway.sh            → prints Markdown tables
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
secs=${BENCH_SECONDS:-2}
rounds=${BENCH_ROUNDS:-5}
scripts_dir="$root/scripts"
"$scripts_dir/bootstrap.sh" gateway >&2

dir=$(mktemp -d /tmp/palisade-gw-bench.XXXXXX)
cleanup() {
  if [ -s "$dir/nginx.pid" ]; then
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" -s quit 2>/dev/null || true
    for _ in $(seq 1 50); do [ -e "$dir/nginx.pid" ] || break; sleep 0.1; done
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

free_port() { python3 "$root/scripts/testlib/ports.py"; }
p_base=$(free_port); p_check=$(free_port); p_10k=$(free_port); p_tap=$(free_port); p_mirror=$(free_port)

mkdir -p "$dir/www" "$dir/body"
[ "$(id -u)" -eq 0 ] && chmod 755 "$dir" && chmod 777 "$dir/body"
printf 'ok\n' >"$dir/www/index.html"

cat >"$dir/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
worker_shutdown_timeout 3s;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fcgi;
  uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
  lua_package_path "$root/kong/?.lua;;";
  lua_shared_dict palisade_decisions 16m;
  lua_shared_dict palisade_bench 32m;
  lua_socket_log_errors off;

  init_by_lua_block {
    local config = require "palisade.config"
    local base = { mirror_url = "http://127.0.0.1:$p_mirror", aggregator_url = "http://127.0.0.1:9",
      match_headers = { "x-client-id" } }
    local function conf(extra)
      local c = {}
      for k, v in pairs(base) do c[k] = v end
      for k, v in pairs(extra) do c[k] = v end
      return assert(config.validate(c))
    end
    BENCH = {
      check = conf({ tap_enabled = false }),
      check10k = conf({ tap_enabled = false, decisions_dict = "palisade_bench" }),
      tap = conf({}),
      tapnocheck = conf({ enforce_enabled = false }),
    }
  }
  init_worker_by_lua_block {
    -- 10,000 decisions: 4,000 IPv4, 2,000 IPv6, 1,000 CIDRs over 3 prefix lengths, 2,000 API keys,
    -- 1,000 JWT subjects. None matches the benchmark client (the common case: a lookup that misses).
    ngx.timer.at(0, function()
      local ups = {}
      for i = 1, 4000 do ups[#ups + 1] = { scope = "ip", value = ("10.%d.%d.%d"):format(i % 200, math.floor(i / 200), 7) } end
      for i = 1, 2000 do ups[#ups + 1] = { scope = "ip", value = ("2001:db8::%x"):format(i) } end
      for i = 1, 1000 do
        local len = ({ 16, 24, 28 })[i % 3 + 1]
        ups[#ups + 1] = { scope = "cidr", value = ("172.%d.%d.0/%d"):format(16 + i % 16, i % 256, len) }
      end
      local digest = require "palisade.digest" -- api_key decisions carry the key's digest
      for i = 1, 2000 do ups[#ups + 1] = { scope = "api_key", value = digest.api_key("key-" .. i) } end
      for i = 1, 1000 do ups[#ups + 1] = { scope = "jwt_sub", value = "user-" .. i } end
      require("palisade.decisions").apply(ngx.shared.palisade_bench, { version = "bench:1", full = true, upserts = ups }, ngx.now() * 1000)
    end)
  }

  server {
    listen 127.0.0.1:$p_base; root $dir/www;
    location = /ready { content_by_lua_block { ngx.print(ngx.shared.palisade_bench:get("#version") or "no") } }
    location = /micro {  # in-worker cost of the plugin's request-path work, timed per call
      content_by_lua_block {
        local ffi = require "ffi"
        pcall(ffi.cdef, "typedef struct { long tv_sec; long tv_nsec; } pal_ts; int clock_gettime(int, pal_ts *);")
        local ts = ffi.new("pal_ts")
        local function ns()
          ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
          return tonumber(ts.tv_sec) * 1e9 + tonumber(ts.tv_nsec)
        end
        local gateway, tap, record = require "palisade.gateway", require "palisade.tap", require "palisade.record"
        local N = 20000
        local function time(name, fn)
          for _ = 1, math.min(2000, N) do fn() end  -- warm up (JIT)
          local d = {}
          for i = 1, N do
            local t0 = ns(); fn(); d[i] = ns() - t0
          end
          table.sort(d)
          return ("%s: %.2f %.2f"):format(name, d[math.floor(N * 0.5)] / 1000, d[math.floor(N * 0.99)] / 1000)
        end
        local tapc = gateway.prepare(BENCH.tap)
        local out = {
          time("check (access), empty dict", function() gateway.access(BENCH.check, {}) end),
          time("check (access), 10,000 decisions", function() gateway.access(BENCH.check10k, {}) end),
          time("tap (access: sampling, path selection, no body)", function() gateway.access(BENCH.tapnocheck, {}) end),
          time("tap (log phase: build + encode record)", function()
            record.encode(tap.build(tapc, {}), tapc.redact_set, true, ngx.encode_base64) end),
        }
        -- the API-key digest when the per-worker memo misses (a new key each call)
        local digest, i = require "palisade.digest", 0
        out[#out + 1] = time("api key digest, not memoised (SHA-256, 32-byte key)", function()
          i = i + 1
          digest.api_key(("k%031d"):format(i))
        end)
        -- gzip of one batch (in the flush timer, once per batch): 500 records like the tap's, each
        -- with its own id, path and a 150-byte random body (random bytes barely compress: a
        -- pessimistic batch; real bodies and repeated headers compress better)
        local batch = {}
        math.randomseed(1)
        for j = 1, 500 do
          local rnd = {}
          for b = 1, 150 do rnd[b] = string.char(math.random(0, 255)) end
          local line = record.encode(tap.build(tapc, { body = table.concat(rnd), body_truncated = false }),
            tapc.redact_set, true, ngx.encode_base64)
          batch[j] = line:gsub('"id":"[^"]*"', '"id":"bench-' .. j .. '"'):gsub('"path":"[^"]*"', '"path":"/v1/items/' .. j * 7919 .. '?page=' .. j .. '"')
        end
        local body = table.concat(batch, "\n")
        local gz = require("palisade.gzip").new()
        local slice = body:sub(1, require("palisade.gzip").SLICE_BYTES)
        N = 200
        out[#out + 1] = time("gzip one 500-record batch, all slices (pessimistic: random bodies)",
          function() gz:compress(body) end)
        out[#out + 1] = time("gzip one 32 KiB slice (the longest the event loop is held)", function() gz:compress(slice) end)
        ngx.print(table.concat(out, "\n"))
      }
    }
  }
  server {
    listen 127.0.0.1:$p_check; root $dir/www;
    access_by_lua_block { require("palisade.gateway").access(BENCH.check, ngx.ctx) }
  }
  server {
    listen 127.0.0.1:$p_10k; root $dir/www;
    access_by_lua_block { require("palisade.gateway").access(BENCH.check10k, ngx.ctx) }
  }
  server {
    listen 127.0.0.1:$p_tap; root $dir/www;
    access_by_lua_block { require("palisade.gateway").access(BENCH.tap, ngx.ctx) }
    log_by_lua_block { require("palisade.gateway").log(BENCH.tap, ngx.ctx) }
  }
  server {  # the mirror: accepts batches and answers 202 (its cost is on the same worker, honestly)
    listen 127.0.0.1:$p_mirror;
    location = /v1/capture { client_body_buffer_size 2m; client_max_body_size 64m;
      content_by_lua_block { ngx.req.read_body(); ngx.status = 202; ngx.print('{"accepted":0,"rejected":0,"errors":[]}') } }
  }
}
CONF

nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
for _ in $(seq 1 50); do
  [ "$(curl -s --max-time 1 "http://127.0.0.1:$p_base/ready")" = "bench:1" ] && break
  sleep 0.1
done

jwt="eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln"   # {"sub":"alice"}: decoded on every check
run() { # port → "p50_us p99_us rps"
  wrk -t1 -c1 -d"${secs}s" --latency -H "Authorization: Bearer $jwt" -H "X-Api-Key: key-none" \
      -H "Content-Type: application/json" "http://127.0.0.1:$1/index.html" | python3 -c '
import re, sys
t = sys.stdin.read()
def us(v, unit): return float(v) * {"us": 1, "ms": 1000, "s": 1e6}[unit]
p = {m.group(1): us(m.group(2), m.group(3)) for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)}
rps = re.search(r"Requests/sec:\s+([\d.]+)", t).group(1)
print("%.1f %.1f %s" % (p["50"], p["99"], rps))'
}

echo "# $(date -u +%FT%TZ) nginx $(nginx -v 2>&1 | sed 's/.*\///'), $(nproc) cores, $rounds rounds × ${secs}s per case" >&2
results="$dir/results.txt"
: >"$results"
for r in $(seq 1 "$rounds"); do
  for c in base:$p_base check:$p_check check10k:$p_10k tap:$p_tap; do
    echo "$r ${c%%:*} $(run "${c##*:}")" >>"$results"
  done
done
drops=$(grep -c "capture queue full" "$dir/error.log" || true)
fails=$(grep -c "mirror send failed" "$dir/error.log" || true)

python3 - "$results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {}
for r, case, p50, p99, rps in rows:
    by.setdefault(case, {})[r] = (float(p50), float(p99), float(rps))
base = by["base"]
names = [("base", "no plugin"), ("check", "check only (empty dict)"), ("check10k", "check only, 10,000 decisions"),
         ("tap", "tap + check")]
print("| case | p50 µs | p99 µs | req/s | added p50 µs | added p99 µs |")
print("|---|---:|---:|---:|---:|---:|")
for key, name in names:
    runs = by[key]
    med = lambda i: statistics.median(v[i] for v in runs.values())
    if key == "base":
        add = "– | –"
    else:
        a50 = statistics.median(runs[r][0] - base[r][0] for r in runs)
        a99 = statistics.median(runs[r][1] - base[r][1] for r in runs)
        add = "%+.1f | %+.1f" % (a50, a99)
    print("| %s | %.1f | %.1f | %.0f | %s |" % (name, med(0), med(1), med(2), add))
PY
echo
echo "In-worker cost of the plugin's own work per request, timed per call (20,000 calls after warm-up;"
echo "median over 3 runs of each percentile), with the same headers as the wrk runs:"
echo
echo "| work | p50 µs | p99 µs |"
echo "|---|---:|---:|"
for _ in 1 2 3; do
  curl -s --max-time 60 -H "Authorization: Bearer $jwt" -H "X-Api-Key: key-none" -H "Content-Type: application/json" \
    -H "User-Agent: wrk" "http://127.0.0.1:$p_base/micro"; echo
done | python3 -c '
import sys, statistics
vals = {}
for line in sys.stdin:
    if ":" in line:
        k, v = line.rsplit(":", 1)
        vals.setdefault(k.strip(), []).append([float(x) for x in v.split()])
for k, v in vals.items():
    print("| %s | %.2f | %.2f |" % (k, statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)))'
echo
echo "mirror send failures logged: $fails; queue-full warnings: $drops"
