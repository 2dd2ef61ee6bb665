-- The Kong adapter with a stubbed PDK: priority/version, refusals through kong.response.exit,
-- monitor headers (upstream now, client in header_filter), Kong fields in records, configure().
local ngx_stub = require "ngx_stub"
local kong_stub = require "kong_stub"
local cjson = require "cjson"

describe("kong handler", function()
  local n, k, handler, config, tap

  local function load(opts)
    n = ngx_stub.install()
    k = kong_stub.install(opts)
    for name in pairs(package.loaded) do
      if name:find("^palisade") or name:find("^kong%.plugins%.palisade") then package.loaded[name] = nil end
    end
    handler = require "kong.plugins.palisade.handler"
    config = require "palisade.config"
    tap = require "palisade.tap"
    n.shared.palisade_decisions = ngx_stub.new_dict(nil, n.clock)
    require("palisade.decisions").apply(n.shared.palisade_decisions, { version = "e:1", full = true, upserts = {
      { scope = "ip", value = "203.0.113.66", action = "block" },
      { scope = "api_key", value = "aa8e645da04e16c8ba4cfd8706eb853c" --[[ sha256("k-watch")[:16] ]], action = "monitor" } } }, n.clock.t * 1000)
    n.req_state = { headers = { { "Host", "api.example.com" } }, method = "GET", start = n.clock.t - 0.001 }
    n.var.uri, n.var.request_uri, n.var.remote_addr = "/users", "/users", "10.0.0.1"
    n.var.request_id = "rid"
  end

  local function conf(extra)
    local c = { mirror_url = "http://127.0.0.1:9", aggregator_url = "http://127.0.0.1:10" }
    for key, v in pairs(extra or {}) do c[key] = v end
    return assert(config.validate(c))
  end

  it("runs before the auth plugins and has a semantic version", function()
    load()
    assert.is_true(handler.PRIORITY > 1450) -- jwt 1450, key-auth 1250, basic-auth 1100
    assert.equal(handler.PRIORITY, math.floor(handler.PRIORITY))
    assert.matches("^%d+%.%d+%.%d+$", handler.VERSION)
  end)

  it("refuses a blocked forwarded IP through kong.response.exit", function()
    load({ forwarded_ip = "203.0.113.66" })
    handler:access(conf())
    assert.equal(1, #k.exits)
    assert.equal(403, k.exits[1].status)
    assert.same({ message = "Request blocked", request_id = "rid" }, cjson.decode(k.exits[1].body))
  end)

  it("lets others through and captures them with service, route, consumer and node", function()
    load({ forwarded_ip = "198.51.100.1", service = { name = "users" }, route = { name = "users-v1" },
      consumer = { username = "mobile-app" } })
    local c = conf()
    handler:access(c)
    assert.equal(0, #k.exits)
    handler:log(c)
    local r = cjson.decode(tap.sinks[c.mirror_url].queue:take(1, 1e9)[1])
    assert.same({ "198.51.100.1", "users", "users-v1", "mobile-app", "kong-1" },
      { r.client_ip, r.service, r.route, r.consumer, r.node })
  end)

  it("captures the blocked request too (Kong runs every log phase after an exit)", function()
    load({ forwarded_ip = "203.0.113.66" })
    local c = conf()
    handler:access(c)
    n.status = 403
    handler:log(c)
    assert.equal(403, cjson.decode(tap.sinks[c.mirror_url].queue:take(1, 1e9)[1]).status)
  end)

  it("monitor: header to the upstream in access, to the client in header_filter", function()
    load()
    n.req_state.headers[#n.req_state.headers + 1] = { "apikey", "k-watch" }
    local c = conf()
    handler:access(c)
    assert.same({ ["X-Palisade-Monitor"] = "monitor; scope=api_key" }, k.upstream_headers)
    assert.same({}, k.response_headers)
    handler:header_filter(c)
    assert.same({ ["X-Palisade-Monitor"] = "monitor; scope=api_key" }, k.response_headers)
  end)

  it("configure starts one decision sync (worker 0) from the first enforcing config", function()
    load()
    local a = conf({ aggregator_url = "http://agg-a:1" })
    local b = conf({ aggregator_url = "http://agg-b:1" })
    handler:configure({ conf({ enforce_enabled = false }), a, b })
    assert.equal(1, #n.timers)
    assert.equal(1, #k.warnings)
    handler:configure({ a })
    assert.equal(1, #n.timers) -- already running: reconfigured, not started twice
    handler:configure(nil)
  end)

  it("starts the sync lazily on the first request when Kong never called configure", function()
    load({ forwarded_ip = "198.51.100.1" })
    local c = conf()
    handler:access(c)
    handler:access(c)
    assert.equal(1, #n.timers)
  end)

  it("configure does not sync on other workers", function()
    load()
    n.worker.id = function() return 1 end
    handler:configure({ conf() })
    assert.equal(0, #n.timers)
  end)
end)
