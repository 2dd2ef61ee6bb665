-- gzip batches (FFI zlib) and the node-wide Prometheus counters: what the flush loop, enforcement
-- and the sync loop add, the exposition text, the Kong Admin API endpoint, and a full dict that
-- loses a counter update rather than a decision.
local ngx_stub = require "ngx_stub"
local cjson = require "cjson"

local function gunzip(data)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
  local p = assert(io.popen("gzip -dc < " .. path .. " 2>/dev/null; echo \"#rc=$?\""))
  local out = p:read("*a")
  p:close()
  os.remove(path)
  local rc = tonumber(out:match("#rc=(%d+)\n$"))
  return rc == 0 and out:gsub("#rc=%d+\n$", "") or nil
end

--- value of a series in exposition text, or nil
local function series(text, name_labels)
  for line in text:gmatch("[^\n]+") do
    local k, v = line:match("^(%S+) (%S+)$")
    if k == name_labels then return tonumber(v) end
  end
  return nil
end

describe("gzip", function()
  local gzip
  before_each(function()
    ngx_stub.install()
    package.loaded["palisade.gzip"] = nil
    gzip = require "palisade.gzip"
  end)

  it("loads the system zlib and round-trips through gzip(1), with a reused stream", function()
    assert.is_true(gzip.available)
    local parts = {}
    for i = 1, 300 do parts[i] = ('{"id":"r%d","method":"GET","path":"/v1/items/%d"}\n'):format(i, i * 7) end
    local text = table.concat(parts)
    for _ = 1, 3 do
      local gz = assert(gzip.compress(parts))
      assert.equal("\31\139", gz:sub(1, 2)) -- gzip magic
      assert.is_true(#gz < #text / 3)
      assert.equal(text, gunzip(gz))
    end
    assert.equal("", gunzip(assert(gzip.compress(""))))
    local bin = {}
    for i = 1, 5000 do bin[i] = string.char((i * 131) % 256) end
    assert.equal(table.concat(bin), gunzip(assert(gzip.compress(table.concat(bin)))))
  end)

  it("deflates large input in slices, yielding between them, with a stream per compressor", function()
    math.randomseed(11)
    local parts = {}
    for i = 1, 4000 do parts[i] = ('{"id":"r%d","v":%d}\n'):format(i, math.random(1e9)) end
    local text = table.concat(parts) -- ~100 KiB: 4 slices of 32 KiB
    local a, b = assert(gzip.new()), assert(gzip.new())
    local yields = 0
    local inner
    local gz = assert(a:compress(text, function()
      yields = yields + 1
      -- another compressor running while this one is suspended must not disturb it
      if yields == 1 then inner = assert(b:compress(text:sub(1, 50000), nil)) end
    end))
    assert.equal(math.ceil(#text / gzip.SLICE_BYTES) - 1, yields)
    assert.equal(text, gunzip(gz))
    assert.equal(text:sub(1, 50000), gunzip(inner))
    assert.equal(text, gunzip(assert(a:compress(text)))) -- reset and reused
  end)
end)

describe("batches", function()
  local n, tap, posts

  before_each(function()
    n = ngx_stub.install()
    for name in pairs(package.loaded) do if name:find("^palisade") then package.loaded[name] = nil end end
    posts = {}
    n.worker.exiting = function() return #posts >= 1 end
    local real_http = require "palisade.http"
    package.loaded["palisade.http"] = {
      parse_url = real_http.parse_url,
      request = function(_, opts)
        posts[#posts + 1] = opts
        return { status = 202, headers = {}, body = '{"accepted":1,"rejected":0,"errors":[]}' }
      end,
    }
    n.shared.palisade_decisions = ngx_stub.new_dict(nil, n.clock)
    tap = require "palisade.tap"
  end)

  local function flush(extra, count, size)
    local c = { mirror_url = "http://mirror:8081", enforce_enabled = false, batch_max_records = 100 }
    for k, v in pairs(extra or {}) do c[k] = v end
    c = require("palisade.gateway").prepare(assert(require("palisade.config").validate(c)))
    local sink = tap.sink(c)
    for i = 1, count do sink.queue:push(('{"id":"r%d","method":"GET","path":"/%s"}'):format(i, ("p"):rep(size))) end
    local t = table.remove(n.timers, 1)
    t.fn(false, unpack(t.args))
    return posts[1], sink
  end

  local function lines(body)
    local ids = {}
    for line in body:gmatch("([^\n]*)\n") do ids[#ids + 1] = cjson.decode(line).id end
    return ids
  end

  it("are gzip-compressed by default from 1 KiB, with Content-Encoding: gzip", function()
    local post, sink = flush({}, 20, 100)
    assert.equal("gzip", post.headers["Content-Encoding"])
    assert.equal(20, #lines(gunzip(post.body)))
    assert.same({ 0, 1 }, { sink.batches.identity, sink.batches.gzip })
  end)

  it("stay plain below 1 KiB, with gzip off, and when zlib is missing (logged once)", function()
    local post = flush({}, 2, 10)
    assert.is_nil(post.headers["Content-Encoding"])
    assert.same({ "r1", "r2" }, lines(post.body))
    posts = {}
    post = flush({ gzip = false, mirror_url = "http://mirror:8082" }, 20, 100)
    assert.is_nil(post.headers["Content-Encoding"])
    assert.equal(20, #lines(post.body))
    posts = {}
    require("palisade.gzip").available = false
    post = flush({ mirror_url = "http://mirror:8083" }, 20, 100)
    assert.is_nil(post.headers["Content-Encoding"])
    assert.equal(20, #lines(post.body))
    local warned = 0
    for _, l in ipairs(n.logs) do if l.msg:find("zlib (libz.so.1) could not be loaded", 1, true) then warned = warned + 1 end end
    assert.equal(1, warned)
  end)
end)

describe("metrics", function()
  local n, metrics, dict

  before_each(function()
    n = ngx_stub.install()
    for name in pairs(package.loaded) do if name:find("^palisade") then package.loaded[name] = nil end end
    dict = ngx_stub.new_dict(nil, n.clock)
    n.shared.palisade_decisions = dict
    metrics = require "palisade.metrics"
  end)

  it("exposes every series, zeros included, in valid text format", function()
    local text = metrics.text()
    assert.equal(0, series(text, "palisade_gateway_records_sent_total"))
    assert.equal(0, series(text, 'palisade_gateway_records_dropped_total{reason="queue_full"}'))
    assert.equal(0, series(text, 'palisade_gateway_decision_hits_total{scope="api_key",action="throttle",outcome="refused"}'))
    local samples = 0
    for line in text:gmatch("[^\n]+") do
      if line:sub(1, 1) ~= "#" then
        assert.truthy(line:match('^[a-z_]+{?[a-z_="%w,]*}? %-?[%d.e+]+$'), line)
        samples = samples + 1
      else
        assert.truthy(line:match("^# HELP [a-z_]+ .+$") or line:match("^# TYPE [a-z_]+ [a-z]+$"), line)
      end
    end
    assert.is_true(samples > 40)
    assert.is_nil(series(text, "palisade_gateway_decisions_epoch_info"))
  end)

  it("counts what the tap does: captured, sent, batches, errors, drops by reason, queued", function()
    local script = { { status = 503, headers = {}, body = "" }, { status = 202, headers = {}, body = '{"accepted":2,"rejected":1,"errors":[]}' } }
    local i = 0
    local real_http = require "palisade.http"
    package.loaded["palisade.http"] = { parse_url = real_http.parse_url,
      request = function() i = i + 1 return script[i] end }
    n.worker.exiting = function() return i >= 2 end
    local tap = require "palisade.tap"
    local c = require("palisade.gateway").prepare(assert(require("palisade.config").validate({
      mirror_url = "http://m:1", enforce_enabled = false, queue_max_records = 3, batch_max_records = 3, gzip = false })))
    local sink = tap.sink(c)
    for k = 1, 5 do sink.queue:push('{"id":"r' .. k .. '"}') end -- 2 dropped: queue_full
    local t = table.remove(n.timers, 1)
    t.fn(false, unpack(t.args)) -- 503 (requeued), then 202 for the 3
    local text = metrics.text()
    assert.equal(3, series(text, "palisade_gateway_records_captured_total"))
    assert.equal(2, series(text, 'palisade_gateway_records_dropped_total{reason="queue_full"}'))
    assert.equal(3, series(text, "palisade_gateway_records_sent_total"))
    assert.equal(1, series(text, "palisade_gateway_records_rejected_total"))
    assert.equal(1, series(text, 'palisade_gateway_batches_total{encoding="identity"}'))
    assert.equal(1, series(text, "palisade_gateway_flush_errors_total"))
    assert.equal(0, series(text, "palisade_gateway_records_queued"))
    -- a refused batch and one left at exit
    i, script = 0, { { status = 401, headers = {}, body = "" } }
    n.worker.exiting = function() return i >= 1 end
    c = require("palisade.gateway").prepare(assert(require("palisade.config").validate({
      mirror_url = "http://m:2", enforce_enabled = false, batch_max_records = 2, gzip = false })))
    sink = tap.sink(c)
    for k = 1, 4 do sink.queue:push('{"id":"s' .. k .. '"}') end
    t = table.remove(n.timers, 1)
    t.fn(false, unpack(t.args))
    text = metrics.text()
    assert.equal(2, series(text, 'palisade_gateway_records_dropped_total{reason="refused"}'))
    assert.equal(2, series(text, 'palisade_gateway_records_dropped_total{reason="shutdown"}'))
    assert.equal(7, series(text, "palisade_gateway_records_captured_total"))
  end)

  it("counts decision hits by scope, action and outcome", function()
    local decisions = require "palisade.decisions"
    decisions.apply(dict, { version = "e:1", full = true, upserts = {
      { scope = "ip", value = "192.0.2.1", action = "block" },
      { scope = "api_key", value = "a1d3d890406925c59f5011e6e6d778be", action = "monitor" } } }, n.clock.t * 1000)
    local c = require("palisade.gateway").prepare(assert(require("palisade.config").validate({
      aggregator_url = "http://a:1", tap_enabled = false })))
    local enforce = require "palisade.enforce"
    n.req_state.headers = { { "X-Api-Key", "k-evil" } }
    enforce.check(c, dict, "192.0.2.1", function() return "rid" end)
    enforce.check(c, dict, "192.0.2.1", function() return "rid" end)
    enforce.check(c, dict, "192.0.2.2", function() return "rid" end)
    local text = metrics.text()
    assert.equal(2, series(text, 'palisade_gateway_decision_hits_total{scope="ip",action="block",outcome="refused"}'))
    assert.equal(1, series(text, 'palisade_gateway_decision_hits_total{scope="api_key",action="monitor",outcome="monitored"}'))
  end)

  it("counts the sync loop: polls, errors, snapshots, epoch changes, decisions stored, up", function()
    local decisions = require "palisade.decisions"
    local sync = require "palisade.sync"
    local function apply(resp) local st = decisions.apply(dict, resp, n.clock.t * 1000) sync.publish(dict, st) return st end
    apply({ version = "ep1:3", full = true, upserts = { { scope = "ip", value = "192.0.2.1" }, { scope = "ip", value = "192.0.2.2" },
      { scope = "ip", value = "bad" } } })
    apply({ version = "ep1:4", full = false, upserts = { { scope = "ip", value = "192.0.2.3" }, { scope = "ip", value = "192.0.2.1" } },
      removals = { "ip:192.0.2.2", "ip:192.0.2.99" } })
    local text = metrics.text()
    assert.equal(2, series(text, "palisade_gateway_decisions"))
    sync.publish(dict, nil)
    apply({ version = "ep2:1", full = false, upserts = {}, removals = {} })
    text = metrics.text()
    assert.equal(4, series(text, "palisade_gateway_sync_polls_total"))
    assert.equal(1, series(text, "palisade_gateway_sync_errors_total"))
    assert.equal(1, series(text, "palisade_gateway_sync_snapshots_total"))
    assert.equal(1, series(text, "palisade_gateway_sync_epoch_changes_total"))
    assert.equal(4, series(text, "palisade_gateway_sync_decisions_applied_total"))
    assert.equal(2, series(text, "palisade_gateway_sync_decisions_removed_total"))
    assert.equal(1, series(text, "palisade_gateway_sync_decisions_invalid_total"))
    assert.equal(1, series(text, "palisade_gateway_aggregator_up"))
    assert.equal(1, series(text, 'palisade_gateway_decisions_epoch_info{epoch="ep1"}'))
    assert.equal(4, series(text, "palisade_gateway_decisions_version"))
    -- a decision that expired by TTL and is then removed by the aggregator is subtracted once
    apply({ version = "ep1:5", full = false, upserts = { { scope = "ip", value = "192.0.2.7", expires_at = n.clock.t * 1000 + 1000 } } })
    assert.equal(3, series(metrics.text(), "palisade_gateway_decisions"))
    n.clock.t = n.clock.t + 2
    apply({ version = "ep1:6", full = false, upserts = {}, removals = { "ip:192.0.2.7" } })
    assert.equal(2, series(metrics.text(), "palisade_gateway_decisions"))
    -- full snapshots keep the counters
    apply({ version = "ep1:7", full = true, upserts = {} })
    text = metrics.text()
    assert.equal(0, series(text, "palisade_gateway_decisions"))
    assert.equal(2, series(text, "palisade_gateway_sync_snapshots_total"))
  end)

  it("never evicts a decision for a counter: a full dict loses the update", function()
    dict = ngx_stub.new_dict(5, n.clock) -- 1 decision + 3 meta keys + 1 counter
    n.shared.palisade_decisions = dict
    local decisions = require "palisade.decisions"
    decisions.apply(dict, { version = "e:1", full = true, upserts = { { scope = "ip", value = "192.0.2.1" } } }, n.clock.t * 1000)
    metrics.inc(dict, "palisade_gateway_records_sent_total", nil, 5)
    metrics.inc(dict, "palisade_gateway_flush_errors_total")
    assert.equal("block", (decisions.lookup(dict, { ip_bin = require("palisade.ip").parse("192.0.2.1") })))
    assert.equal(5, series(metrics.text(), "palisade_gateway_records_sent_total"))
    assert.equal(0, series(metrics.text(), "palisade_gateway_flush_errors_total"))
  end)

  it("serves the text on nginx and on Kong's Admin API", function()
    metrics.inc(dict, "palisade_gateway_records_sent_total", nil, 9)
    local printed = {}
    n.print = function(s) printed[#printed + 1] = s end
    metrics.serve()
    assert.equal(metrics.CONTENT_TYPE, n.header["Content-Type"])
    assert.equal(9, series(table.concat(printed), "palisade_gateway_records_sent_total"))
    local k = require("kong_stub").install()
    local api = require "kong.plugins.palisade.api"
    api["/palisade/metrics"].GET()
    assert.equal(200, k.exits[1].status)
    assert.equal(9, series(k.exits[1].body, "palisade_gateway_records_sent_total"))
    assert.equal(metrics.CONTENT_TYPE, k.exits[1].headers["Content-Type"])
    api["/palisade/status"].GET()
    assert.equal(200, k.exits[2].status)
    assert.is_table(cjson.decode(k.exits[2].body).decisions)
  end)
end)
