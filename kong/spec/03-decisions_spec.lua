-- Decision matching (IP, CIDR v4/v6, API key, JWT sub, header), severity, expiry, epochs, and a
-- full dict never evicting silently.
local ngx_stub = require "ngx_stub"

describe("decisions", function()
  local n, ip, decisions, dict

  before_each(function()
    n = ngx_stub.install()
    package.loaded["palisade.decisions"] = nil
    package.loaded["palisade.jwt"] = nil
    ip = require "palisade.ip"
    decisions = require "palisade.decisions"
    dict = ngx_stub.new_dict(nil, n.clock)
  end)

  local function now_ms() return n.clock.t * 1000 end
  local function apply(resp) return decisions.apply(dict, resp, now_ms()) end
  local function d(scope, value, action, extra)
    local t = { scope = scope, value = value, action = action or "block", reason = "r-" .. value }
    for k, v in pairs(extra or {}) do t[k] = v end
    return t
  end
  local function lookup_ip(addr) return decisions.lookup(dict, { ip_bin = ip.parse(addr) }) end

  describe("ip parsing", function()
    it("parses IPv4, IPv6 (all spellings) and folds IPv4-mapped addresses", function()
      assert.equal("\1\2\3\4", ip.parse("1.2.3.4"))
      assert.equal(ip.parse("2001:db8::1"), ip.parse("2001:0DB8:0:0:0:0:0:1"))
      assert.equal(ip.parse("::1"), ip.parse("[::1]"))
      assert.equal(ip.parse("10.0.0.1"), ip.parse("::ffff:10.0.0.1"))
      assert.equal(16, #ip.parse("::"))
      assert.equal(ip.parse("fe80::1"), ip.parse("fe80::1%eth0"))
      for _, bad in ipairs({ "1.2.3", "1.2.3.256", "1.2.3.4.", ".1.2.3", "1..2.3", "1.2.3.0004", "1.2.3.-4", "1::2::3", "12345::", "::g", "", "1.2.3.4.5", "a:b:c:d:e:f:0:1:2" }) do
        assert.is_nil(ip.parse(bad), bad)
      end
    end)

    it("masks CIDRs", function()
      local net, len = ip.parse_cidr("10.1.2.3/20")
      assert.same({ "10.1.0.0", 20 }, { ip.tostring(net), len })
      net, len = ip.parse_cidr("2001:db8:abcd:1234::/36")
      assert.same({ "2001:db8:a000:0:0:0:0:0", 36 }, { ip.tostring(net), len })
      net, len = ip.parse_cidr("::ffff:10.0.0.0/104")
      assert.same({ "10.0.0.0", 8 }, { ip.tostring(net), len })
      assert.is_nil(ip.parse_cidr("10.0.0.0/33"))
      assert.is_nil(ip.parse_cidr("::/129"))
    end)
  end)

  describe("matching", function()
    it("matches an exact IPv4 and IPv6 address whatever its spelling", function()
      apply({ version = "e1:1", full = true, upserts = { d("ip", "203.0.113.7"), d("ip", "2001:db8::7") } })
      assert.equal("block", (lookup_ip("203.0.113.7")))
      assert.equal("block", (lookup_ip("2001:0db8:0000::7")))
      assert.is_nil(lookup_ip("203.0.113.8"))
      assert.is_nil(lookup_ip("2001:db8::8"))
    end)

    it("matches CIDRs of several lengths, IPv4 and IPv6, without cross-family matches", function()
      apply({ version = "e1:1", full = true, upserts = {
        d("cidr", "198.51.100.0/24"), d("cidr", "10.0.0.0/8", "throttle"),
        d("cidr", "2001:db8:1::/48"), d("cidr", "0.0.0.0/0", "monitor") } })
      local action, scope, reason = lookup_ip("198.51.100.200")
      assert.same({ "block", "cidr", "r-198.51.100.0/24" }, { action, scope, reason })
      assert.equal("throttle", (lookup_ip("10.200.3.4")))
      assert.equal("monitor", (lookup_ip("192.0.2.1")))
      assert.equal("block", (lookup_ip("2001:db8:1:ffff::1")))
      assert.is_nil(lookup_ip("2001:db8:2::1"))
      assert.is_nil(lookup_ip("::1")) -- 0.0.0.0/0 is IPv4 only
    end)

    -- api_key decisions carry the digest (first 16 bytes of SHA-256, hex; `printf k-1 | sha256sum`)
    local K1 = "7c35c5a1785d20704e44d5de4beb81c1"

    it("matches API keys (by digest), JWT subjects and configured headers", function()
      apply({ version = "e1:1", full = true, upserts = {
        d("api_key", K1), d("jwt_sub", "mallory", "throttle"), d("header", "X-Client-Id: abc") } })
      assert.same({ "block", "api_key", "r-" .. K1 }, { decisions.lookup(dict, { api_keys = { "zzz", "k-1" } }) })
      assert.is_nil(decisions.lookup(dict, { api_keys = { K1 } })) -- presenting the digest is not the key
      assert.same({ "throttle", "jwt_sub", "r-mallory" }, { decisions.lookup(dict, { jwt_sub = "mallory" }) })
      assert.same({ "block", "header", "r-X-Client-Id: abc" }, { decisions.lookup(dict, { headers = { "x-client-id:abc" } }) })
      assert.is_nil(decisions.lookup(dict, { headers = { "x-client-id:abd" }, jwt_sub = "bob", api_keys = { "k-2" } }))
    end)

    it("picks the most severe of several matching decisions", function()
      apply({ version = "e1:1", full = true, upserts = {
        d("ip", "192.0.2.1", "monitor"), d("cidr", "192.0.2.0/24", "throttle"), d("api_key", "8254c329a92850f6d539dd376f4816ee", "block") } })
      assert.equal("throttle", (lookup_ip("192.0.2.1")))
      assert.equal("block", (decisions.lookup(dict, { ip_bin = ip.parse("192.0.2.1"), api_keys = { "k" } })))
    end)

    it("accepts an upper-case digest and hashes keys only when api_key decisions exist", function()
      apply({ version = "e1:1", full = true, upserts = { d("ip", "192.0.2.1") } })
      local digest = require "palisade.digest"
      local calls = 0
      local real = digest.api_key
      digest.api_key = function(k) calls = calls + 1 return real(k) end
      assert.is_nil(decisions.lookup(dict, { api_keys = { "k-1" } }))
      assert.equal(0, calls)
      apply({ version = "e1:2", full = false, upserts = { d("api_key", K1:upper()) } })
      assert.equal("block", (decisions.lookup(dict, { api_keys = { "k-1" } })))
      assert.equal(1, calls)
      apply({ version = "e1:3", full = true, upserts = { d("ip", "192.0.2.1") } }) -- snapshot: no keys left
      assert.is_nil(decisions.lookup(dict, { api_keys = { "k-1" } }))
      assert.equal(1, calls)
      digest.api_key = real
    end)

    it("rejects invalid decisions alone and counts them", function()
      local st = apply({ version = "e1:1", full = true, upserts = {
        d("ip", "not-an-ip"), d("cidr", "10.0.0.0/40"), d("carrier_pigeon", "x"), d("ip", "192.0.2.9", "nuke"),
        d("header", "no-colon"), d("api_key", "raw-key-not-a-digest"), d("api_key", string.rep("g", 32)),
        d("ip", "192.0.2.1") } })
      assert.equal(7, st.invalid)
      assert.equal(1, st.applied)
      assert.equal("block", (lookup_ip("192.0.2.1")))
    end)
  end)

  describe("sync protocol", function()
    it("applies deltas: upserts and removals (strings or objects)", function()
      apply({ version = "e1:1", full = true, upserts = { d("ip", "192.0.2.1"), d("ip", "192.0.2.2"), d("cidr", "10.0.0.0/8") } })
      local st = apply({ version = "e1:2", full = false, upserts = { d("ip", "192.0.2.3") },
        removals = { "ip:192.0.2.1", { scope = "cidr", value = "10.0.0.0/8" } } })
      assert.same({ 1, 2 }, { st.applied, st.removed })
      assert.is_nil(lookup_ip("192.0.2.1"))
      assert.equal("block", (lookup_ip("192.0.2.2")))
      assert.equal("block", (lookup_ip("192.0.2.3")))
      assert.is_nil(lookup_ip("10.1.1.1"))
      assert.equal("e1:2", dict:get("#version"))
    end)

    it("replaces everything on a full snapshot", function()
      apply({ version = "e1:5", full = true, upserts = { d("ip", "192.0.2.1"), d("cidr", "10.0.0.0/8") } })
      local st = apply({ version = "e1:9", full = true, upserts = { d("ip", "192.0.2.2") } })
      assert.equal(2, st.removed)
      assert.is_nil(lookup_ip("192.0.2.1"))
      assert.is_nil(lookup_ip("10.1.1.1"))
      assert.equal("block", (lookup_ip("192.0.2.2")))
      assert.equal("", dict:get("#cidr"))
    end)

    it("on an epoch change, ignores a delta and asks for a snapshot; a snapshot replaces stale blocks", function()
      apply({ version = "old:42", full = true, upserts = { d("ip", "192.0.2.1") } })
      local st = apply({ version = "new:3", full = false, upserts = { d("ip", "192.0.2.2") }, removals = {} })
      assert.is_true(st.resync)
      assert.is_nil(lookup_ip("192.0.2.2"))
      assert.equal("old:42", dict:get("#version"))
      -- the sync loop then drops #version and polls with since=0; the server answers a snapshot
      st = apply({ version = "new:3", full = true, upserts = { d("ip", "192.0.2.2") } })
      assert.is_nil(st.resync)
      assert.is_nil(lookup_ip("192.0.2.1")) -- stale block from the old epoch is gone
      assert.equal("block", (lookup_ip("192.0.2.2")))
      assert.equal("new", decisions.epoch("new:3"))
      assert.equal("a:b", decisions.epoch("a:b:7"))
    end)

    it("refuses a response without a version", function()
      local st = apply({ full = true, upserts = { d("ip", "192.0.2.1") } })
      assert.equal("response has no version", st.error)
      assert.is_nil(lookup_ip("192.0.2.1"))
    end)
  end)

  describe("expiry", function()
    it("expires decisions at expires_at (ms, or s) without any sync", function()
      apply({ version = "e1:1", full = true, upserts = {
        d("ip", "192.0.2.1", "block", { expires_at = now_ms() + 1500 }),
        d("ip", "192.0.2.2", "block", { expires_at = n.clock.t + 60 }),
        d("ip", "192.0.2.3", "block", { expires_at = ngx.null }) } })
      assert.equal("block", (lookup_ip("192.0.2.1")))
      n.clock.t = n.clock.t + 1.6
      assert.is_nil(lookup_ip("192.0.2.1"))
      assert.equal("block", (lookup_ip("192.0.2.2")))
      n.clock.t = n.clock.t + 3600
      assert.is_nil(lookup_ip("192.0.2.2"))
      assert.equal("block", (lookup_ip("192.0.2.3")))
    end)

    it("does not store a decision that already expired, and removes an earlier copy", function()
      apply({ version = "e1:1", full = true, upserts = { d("ip", "192.0.2.1") } })
      local st = apply({ version = "e1:2", full = false, upserts = { d("ip", "192.0.2.1", "block", { expires_at = now_ms() - 1 }) } })
      assert.equal(1, st.expired)
      assert.is_nil(lookup_ip("192.0.2.1"))
    end)
  end)

  it("never evicts: a full dict refuses new decisions and counts them", function()
    dict = ngx_stub.new_dict(5, n.clock) -- room for 2 decisions + 3 meta keys
    apply({ version = "e1:1", full = true, upserts = { d("ip", "192.0.2.1"), d("ip", "192.0.2.2") } })
    local st = apply({ version = "e1:2", full = false, upserts = { d("ip", "192.0.2.3") } })
    assert.equal(1, st.full_dict)
    assert.equal("block", (lookup_ip("192.0.2.1")))
    assert.equal("block", (lookup_ip("192.0.2.2")))
    assert.is_nil(lookup_ip("192.0.2.3"))
  end)
end)
