-- The decision sync loop with a scripted aggregator (palisade.http stubbed): long-poll parameters,
-- epoch change → snapshot, aggregator down → keep blocks, backoff with Retry-After, log once per
-- interval, and a quick exit when the worker exits.
local ngx_stub = require "ngx_stub"

describe("decision sync loop", function()
  local n, sync, decisions, dict, requests, script, exits_after, exit_fn

  before_each(function()
    n = ngx_stub.install()
    for name in pairs(package.loaded) do if name:find("^palisade") then package.loaded[name] = nil end end
    requests, script = {}, {}
    local polls = 0
    exits_after = math.huge
    exit_fn = function() return polls >= exits_after end
    n.worker.exiting = function() return exit_fn() end
    local real_http = require "palisade.http"
    package.loaded["palisade.http"] = {
      parse_url = real_http.parse_url,
      request = function(u, opts)
        polls = polls + 1
        requests[#requests + 1] = { url = u, opts = opts, t = n.clock.t }
        local step = script[polls]
        if type(step) == "function" then return step() end
        return step and step[1], step and step[2]
      end,
    }
    sync = require "palisade.sync"
    decisions = require "palisade.decisions"
    dict = ngx_stub.new_dict(nil, n.clock)
    n.shared.palisade_decisions = dict
  end)

  local function conf()
    return assert(require("palisade.config").validate({ aggregator_url = "http://agg:7000/base",
      aggregator_token = "s3cret", tap_enabled = false, retry_max_backoff_ms = 8000, log_interval_s = 30 }))
  end
  local function ok(body) return { { status = 200, headers = {}, body = require("cjson").encode(body) } } end
  local function run(steps)
    script = steps
    exits_after = #steps
    assert.is_true(sync.start(conf()))
    local t = table.remove(n.timers, 1)
    t.fn(false, unpack(t.args))
  end
  local function blocked(addr) return decisions.lookup(dict, { ip_bin = require("palisade.ip").parse(addr) }) end

  it("long-polls with the bearer token, since and wait, starting from since=0", function()
    run({ ok({ version = "e1:1", full = true, upserts = { { scope = "ip", value = "192.0.2.1" } } }),
      ok({ version = "e1:1", full = false, upserts = {}, removals = {} }) })
    local o1, o2 = requests[1].opts, requests[2].opts
    assert.equal("/v1/decisions?since=0&wait=20", o1.path)
    assert.equal("/v1/decisions?since=e1%3A1&wait=20", o2.path)
    assert.equal("Bearer s3cret", o1.headers.Authorization)
    assert.equal("/base", requests[1].url.prefix)
    assert.equal(25000, o1.read_timeout_ms)
    assert.is_function(o1.abort)
    assert.equal("block", (blocked("192.0.2.1")))
  end)

  it("after an epoch change it drops its version and takes a full snapshot", function()
    run({
      ok({ version = "old:40", full = true, upserts = { { scope = "ip", value = "192.0.2.1" } } }),
      ok({ version = "new:2", full = false, upserts = { { scope = "ip", value = "192.0.2.2" } }, removals = {} }),
      ok({ version = "new:2", full = true, upserts = { { scope = "ip", value = "192.0.2.2" } } }),
    })
    assert.equal("/v1/decisions?since=0&wait=20", requests[3].opts.path)
    assert.is_nil(blocked("192.0.2.1"))
    assert.equal("block", (blocked("192.0.2.2")))
    assert.equal("new:2", dict:get("#version"))
    assert.equal(2, sync.stats.snapshots)
  end)

  it("says the dict is missing instead of blaming the aggregator", function()
    n.shared.palisade_decisions = nil
    local calls = 0
    exit_fn = function() calls = calls + 1 return calls > 3 end
    assert.is_true(sync.start(conf()))
    local t = table.remove(n.timers, 1)
    t.fn(false)
    assert.equal(0, #requests)
    assert.truthy(n.logs[1].msg:find("palisade_decisions is not declared", 1, true))
  end)

  it("keeps enforcing while the aggregator is down, backs off exponentially, logs once", function()
    local down = { nil, "connect: connection refused" }
    run({ ok({ version = "e1:1", full = true, upserts = { { scope = "ip", value = "192.0.2.1" } } }),
      down, down, down, down, down })
    assert.equal("block", (blocked("192.0.2.1")))
    local gaps = {}
    for i = 3, #requests do gaps[#gaps + 1] = math.floor((requests[i].t - requests[i - 1].t) * 10 + 0.5) / 10 end
    assert.same({ 0.5, 1, 2, 4 }, gaps)
    local warnings = 0
    for _, l in ipairs(n.logs) do if l.msg:find("aggregator unreachable", 1, true) then warnings = warnings + 1 end end
    assert.equal(1, warnings)
    assert.is_nil(table.concat((function() local t = {} for _, l in ipairs(n.logs) do t[#t + 1] = l.msg end return t end)()):find("s3cret"))
  end)

  it("honours Retry-After up to the cap, and recovers", function()
    run({ { { status = 503, headers = { ["retry-after"] = "3" }, body = "" } },
      { { status = 503, headers = { ["retry-after"] = "3600" }, body = "" } },
      ok({ version = "e1:1", full = true, upserts = {} }), ok({ version = "e1:1", full = false }) })
    assert.equal(3, math.floor(requests[2].t - requests[1].t + 0.5))
    assert.equal(8, math.floor(requests[3].t - requests[2].t + 0.5))
    local recovered = false
    for _, l in ipairs(n.logs) do if l.msg:find("reachable again", 1, true) then recovered = true end end
    assert.is_true(recovered)
  end)

  it("does not spin on a server that answers at once with nothing new", function()
    run({ ok({ version = "e1:1", full = true, upserts = {} }), ok({ version = "e1:1", full = false }),
      ok({ version = "e1:1", full = false }) })
    assert.is_true(requests[3].t - requests[2].t >= 0.099)
  end)

  it("survives garbage responses", function()
    run({ { { status = 200, headers = {}, body = "not json" } }, { { status = 200, headers = {}, body = "[1,2]" } },
      function() error("bug in a dependency") end,
      ok({ version = "e1:1", full = true, upserts = { { scope = "ip", value = "192.0.2.9" } } }) })
    assert.equal("block", (blocked("192.0.2.9")))
  end)

  it("returns at once on a premature timer", function()
    sync.start(conf())
    local t = table.remove(n.timers, 1)
    t.fn(true)
    assert.equal(0, #requests)
  end)
end)
