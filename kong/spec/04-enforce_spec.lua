-- Enforcement: identities from the request, modes, refusal bodies, fail-open.
local ngx_stub = require "ngx_stub"
local cjson = require "cjson"

local function b64url(s) return (ngx.encode_base64(s):gsub("+", "-"):gsub("/", "_"):gsub("=", "")) end
local function token(claims) return b64url('{"alg":"none"}') .. "." .. b64url(cjson.encode(claims)) .. ".sig" end

describe("enforce", function()
  local n, gateway, decisions, config, dict

  before_each(function()
    n = ngx_stub.install()
    for _, m in ipairs({ "palisade.gateway", "palisade.enforce", "palisade.decisions", "palisade.jwt", "palisade.tap",
      "palisade.sync", "palisade.config", "palisade.ratelog" }) do package.loaded[m] = nil end
    gateway = require "palisade.gateway"
    decisions = require "palisade.decisions"
    config = require "palisade.config"
    dict = ngx_stub.new_dict(nil, n.clock)
    n.shared.palisade_decisions = dict
    decisions.apply(dict, { version = "e:1", full = true, upserts = {
      { scope = "ip", value = "192.0.2.66", action = "block", reason = "sqli burst" },
      { scope = "cidr", value = "2001:db8:bad::/48", action = "block" },
      { scope = "api_key", value = "a1d3d890406925c59f5011e6e6d778be" --[[ sha256("k-evil")[:16] ]], action = "block" },
      { scope = "jwt_sub", value = "mallory", action = "block" },
      { scope = "header", value = "x-client-id:abc", action = "block" },
      { scope = "api_key", value = "ae83e404d79a1bf3521b65f3966ead0d" --[[ sha256("k-slow")[:16] ]], action = "throttle" },
      { scope = "api_key", value = "aa8e645da04e16c8ba4cfd8706eb853c" --[[ sha256("k-watch")[:16] ]], action = "monitor" },
    } }, n.clock.t * 1000)
  end)

  local function conf(extra)
    local c = { aggregator_url = "http://127.0.0.1:10", tap_enabled = false, match_headers = { "X-Client-Id" } }
    for k, v in pairs(extra or {}) do c[k] = v end
    return assert(config.validate(c))
  end

  local function req(headers, addr)
    n.req_state = { headers = headers or {}, method = "GET", start = n.clock.t }
    n.var.remote_addr = addr or "198.51.100.1"
    n.var.request_id = "rid-0001"
  end

  local function access(c, client_ip) return gateway.access(c, {}, client_ip) end

  it("lets unmatched requests through untouched", function()
    req({ { "X-Api-Key", "k-good" }, { "Authorization", "Bearer " .. token({ sub = "bob" }) } })
    assert.same({}, { access(conf()) })
  end)

  it("blocks by IP with a JSON body carrying the request id, no reason by default", function()
    req({ { "X-Request-Id", "req-7" } }, "192.0.2.66")
    local status, body, headers = access(conf())
    assert.equal(403, status)
    assert.same({ message = "Request blocked", request_id = "req-7" }, cjson.decode(body))
    assert.same({ ["Content-Type"] = "application/json" }, headers)
  end)

  it("uses the forwarded client IP given by the adapter (Kong) over $remote_addr", function()
    req({}, "10.0.0.1")
    assert.equal(403, (access(conf(), "192.0.2.66")))
    req({}, "192.0.2.66")
    assert.is_nil((access(conf(), "10.0.0.1")))
  end)

  it("blocks an IPv6 client inside a blocked CIDR", function()
    req({}, "2001:db8:bad:1::5")
    assert.equal(403, (access(conf())))
  end)

  it("blocks by API key header (each configured header name)", function()
    req({ { "apikey", "k-evil" } })
    assert.equal(403, (access(conf())))
    req({ { "X-Custom-Key", "k-evil" } })
    assert.is_nil((access(conf())))
    assert.equal(403, (access(conf({ api_key_headers = { "X-Custom-Key" } }))))
  end)

  it("blocks by API key query parameter, percent-decoded like the workers ('+' is a space)", function()
    req({})
    n.var.args, n.var.arg_api_key = "api_key=k%2Devil", "k%2Devil"
    assert.equal(403, (access(conf())))
    n.var.arg_api_key, n.var.apikey = nil, nil
    n.var.args, n.var.arg_apikey = "apikey=k+evil", "k+evil" -- "k evil": another key
    assert.is_nil((access(conf())))
    n.var.args, n.var.arg_apikey = "apikey=k-evil", "k-evil"
    assert.equal(403, (access(conf())))
    assert.is_nil((access(conf({ api_key_query_params = {} }))))
  end)

  it("blocks by the unverified JWT sub of a Bearer token, unless disabled", function()
    req({ { "Authorization", "Bearer " .. token({ sub = "mallory", exp = 1 }) } })
    assert.equal(403, (access(conf())))
    assert.is_nil((access(conf({ match_jwt_sub = false }))))
  end)

  it("ignores malformed tokens", function()
    for _, v in ipairs({ "Bearer not.a", "Bearer " .. b64url("{") .. "." .. b64url("[1]") .. ".x", "Basic bWFsbG9yeQ==",
      "Bearer a.%%%.c", "Bearer " .. token({ sub = 42 }) }) do
      req({ { "Authorization", v } })
      assert.is_nil((access(conf())), v)
    end
  end)

  it("memoizes token subjects per worker, bounded, without mixing them up", function()
    local jwt = require "palisade.jwt"
    for i = 1, 1500 do
      local t = token({ sub = "u" .. i })
      assert.equal("u" .. i, jwt.sub(t))
      assert.equal("u" .. i, jwt.sub(t))
    end
    assert.is_nil(jwt.sub("x.eyJub3N1YiI6MX0.y")) -- {"nosub":1}
    assert.is_nil(jwt.sub("x.eyJub3N1YiI6MX0.y"))
  end)

  it("blocks by a configured header as name:value", function()
    req({ { "X-Client-Id", "abc" } })
    assert.equal(403, (access(conf())))
    assert.is_nil((access(conf({ match_headers = {} }))))
  end)

  it("throttles with the configured status and Retry-After", function()
    req({ { "X-Api-Key", "k-slow" } })
    local status, body, headers = access(conf({ throttle_status = 503, throttle_retry_after_s = 9 }))
    assert.equal(503, status)
    assert.equal("Too many requests", cjson.decode(body).message)
    assert.equal("9", headers["Retry-After"])
    status, body, headers = access(conf({ throttle_retry_after_s = 0 }))
    assert.equal(429, status)
    assert.equal("Too many requests", cjson.decode(body).message)
    assert.is_nil(headers["Retry-After"])
  end)

  it("uses the configured block status and message, and exposes the reason only when asked", function()
    req({}, "192.0.2.66")
    local status, body = access(conf({ block_status = 451, block_message = "Nope", expose_reason = true }))
    assert.equal(451, status)
    assert.same({ message = "Nope", request_id = "rid-0001", reason = "sqli burst" }, cjson.decode(body))
  end)

  it("monitor decisions never block: they return the monitor header", function()
    req({ { "X-Api-Key", "k-watch" } })
    assert.same({ nil, nil, { ["X-Palisade-Monitor"] = "monitor; scope=api_key" } }, { access(conf()) })
  end)

  it("mode monitor never blocks: block decisions only add the header and log", function()
    req({}, "192.0.2.66")
    local status, body, headers = access(conf({ mode = "monitor", monitor_header = "X-Would-Block" }))
    assert.is_nil(status)
    assert.is_nil(body)
    assert.same({ ["X-Would-Block"] = "block; scope=ip" }, headers)
    assert.truthy(n.logs[#n.logs].msg:find("mode monitor", 1, true))
  end)

  it("fails open when the dict is missing (logged once per interval)", function()
    n.shared.palisade_decisions = nil
    req({}, "192.0.2.66")
    assert.is_nil((access(conf())))
    assert.is_nil((access(conf())))
    local count = 0
    for _, l in ipairs(n.logs) do if l.msg:find("is not declared", 1, true) then count = count + 1 end end
    assert.equal(1, count)
  end)

  it("fails open when enforcement raises", function()
    n.shared.palisade_decisions = { get = function() error("boom") end }
    req({}, "192.0.2.66")
    assert.is_nil((access(conf())))
    assert.truthy(n.logs[#n.logs].msg:find("enforcement error (request passed)", 1, true))
  end)

  it("does nothing with enforcement disabled", function()
    req({}, "192.0.2.66")
    assert.is_nil((access(conf({ enforce_enabled = false, tap_enabled = true, mirror_url = "http://m" }))))
  end)
end)
