-- Record building (exact JSON), redaction, JSON escaping, path selection, body capture, and the
-- bounded queue with drop counting.
local ngx_stub = require "ngx_stub"
local cjson = require "cjson"

describe("palisade unit", function()
  local n, record, tap, queue, json, config

  before_each(function()
    n = ngx_stub.install()
    for name in pairs(package.loaded) do if name:find("^palisade") then package.loaded[name] = nil end end
    record = require "palisade.record"
    tap = require "palisade.tap"
    queue = require "palisade.queue"
    json = require "palisade.json"
    config = require "palisade.config"
  end)

  local function conf(extra)
    local c = { mirror_url = "http://127.0.0.1:9", aggregator_url = "http://127.0.0.1:10", node_name = "gw-1" }
    for k, v in pairs(extra or {}) do c[k] = v end
    c = assert(config.validate(c))
    return require("palisade.gateway").prepare(c)
  end

  describe("record encoding", function()
    it("encodes every DESIGN §2 field with exact values, in a fixed order", function()
      local line = record.encode({
        id = "01J", ts = 1763700000123, node = "kong-1", client_ip = "203.0.113.7", method = "POST",
        scheme = "https", host = "api.example.com", path = "/v1/users/42?expand=1",
        headers = { { "Content-Type", "application/json" }, { "X-A", "1" }, { "X-A", "2" } },
        body = '{"a":1}', body_truncated = false, status = 200, latency_ms = 3.2, response_bytes = 512,
        service = "users", route = "users-v1", consumer = "mobile-app",
      }, {}, true, n.encode_base64)
      assert.equal('{"id":"01J","ts":1763700000123,"node":"kong-1","client_ip":"203.0.113.7","method":"POST",' ..
        '"scheme":"https","host":"api.example.com","path":"/v1/users/42?expand=1",' ..
        '"headers":[["Content-Type","application/json"],["X-A","1"],["X-A","2"]],' ..
        '"body_b64":"eyJhIjoxfQ==","body_truncated":false,"status":200,"latency_ms":3.200,' ..
        '"response_bytes":512,"service":"users","route":"users-v1","consumer":"mobile-app"}', line)
    end)

    it("omits absent optional fields and the body, keeps headers an array", function()
      local line = record.encode({ id = "x", method = "GET", path = "/" }, {}, true, n.encode_base64)
      assert.equal('{"id":"x","method":"GET","path":"/","headers":[],"body_truncated":false}', line)
    end)

    it("always produces valid JSON/UTF-8 from hostile bytes", function()
      local evil = 'a"b\\c\n\0\127\255\192\175é😀\237\160\128'
      local line = record.encode({ id = "x", method = "GET", path = "/" .. evil,
        headers = { { "X-Evil", evil } } }, {}, true, n.encode_base64)
      local r = cjson.decode(line)
      local R = "\239\191\189" -- U+FFFD, one per invalid byte
      assert.equal('/a"b\\c\n\0\127' .. R .. R .. R .. "é😀" .. R .. R .. R, r.path)
      assert.equal(r.path:sub(2), r.headers[1][2])
    end)
  end)

  describe("redaction", function()
    local redact = { authorization = true, cookie = true, ["x-secret"] = true }
    local function masked(name, value, keep)
      local line = record.encode({ id = "x", method = "GET", path = "/", headers = { { name, value } } },
        redact, keep ~= false, n.encode_base64)
      return cjson.decode(line).headers[1][2]
    end

    it("masks Authorization and Cookie values by default, keeping scheme and cookie names", function()
      assert.equal("Basic ***", masked("Authorization", "Basic dXNlcjpwYXNz"))
      assert.equal("Bearer ***", masked("authorization", "Bearer opaque-token"))
      assert.equal("session=***; theme=***", masked("Cookie", "session=abc123; theme=dark"))
      assert.equal("***", masked("X-Secret", "s3cr3t"))
      assert.equal("visible", masked("X-Other", "visible"))
    end)

    it("keeps JWT claims but drops the signature (or masks all when configured)", function()
      assert.equal("Bearer aGVhZA.Y2xhaW1z.redacted", masked("Authorization", "Bearer aGVhZA.Y2xhaW1z.c2ln"))
      assert.equal("jwt=aGVhZA.Y2xhaW1z.redacted", masked("Cookie", "jwt=aGVhZA.Y2xhaW1z.c2ln"))
      assert.equal("Bearer ***", masked("Authorization", "Bearer aGVhZA.Y2xhaW1z.c2ln", false))
    end)

    it("uses the configured list, case-insensitively", function()
      local c = conf({ redact_headers = { "X-Api-Key" } })
      assert.same({ ["x-api-key"] = true }, c.redact_set)
    end)
  end)

  describe("json.string", function()
    it("escapes specials and passes clean ASCII untouched", function()
      assert.equal('"plain /path"', json.string("plain /path"))
      assert.equal('"\\"\\\\\\n\\t\\u0001\\u007f"', json.string('"\\\n\t\1\127'))
    end)
    it("replaces invalid UTF-8 with U+FFFD and keeps valid sequences", function()
      assert.equal('"a\239\191\189b"', json.string("a\255b"))
      assert.equal('"é€😀"', json.string("é€😀"))
      assert.equal('"\239\191\189\239\191\189"', json.string("\192\175")) -- overlong '/'
      assert.equal('"x\239\191\189\239\191\189"', json.string("x\226\130")) -- truncated: one per byte
    end)
  end)

  describe("tap", function()
    local function request(opts)
      n.req_state = { method = opts.method or "GET", start = n.clock.t - 0.0042,
        headers = opts.headers or { { "Host", "api.example.com" } }, body = opts.body, body_file = opts.body_file }
      n.var.uri = opts.uri or "/v1/users/42"
      n.var.request_uri = opts.request_uri or "/v1/users/42?expand=1"
      n.var.remote_addr = "198.51.100.9"
      n.var.scheme = "https"
      n.var.host = "api.example.com"
      n.var.request_id = "0123456789abcdef0123456789abcdef"
      n.var.body_bytes_sent = "512"
      n.status = opts.status or 200
    end

    it("builds the exact record from the request (log phase) and queues it", function()
      local c = conf()
      request({ method = "POST", body = '{"q":"x"}', status = 201, headers = {
        { "Host", "api.example.com" }, { "Content-Length", "9" }, { "X-Request-Id", "abc-123" },
        { "Authorization", "Basic dXNlcjpwYXNz" } } })
      local ctx = {}
      tap.access(c, ctx)
      tap.log(c, ctx)
      local q = tap.sinks[c.mirror_url].queue
      assert.equal(1, q:count())
      local r = cjson.decode(q:take(10, 1e9)[1])
      assert.same({
        id = "abc-123", ts = math.floor((n.clock.t - 0.0042) * 1000), node = "gw-1", client_ip = "198.51.100.9",
        method = "POST", scheme = "https", host = "api.example.com", path = "/v1/users/42?expand=1",
        headers = { { "Host", "api.example.com" }, { "Content-Length", "9" }, { "X-Request-Id", "abc-123" },
          { "Authorization", "Basic ***" } },
        body_b64 = n.encode_base64('{"q":"x"}'), body_truncated = false, status = 201, latency_ms = 4.2,
        response_bytes = 512,
      }, r)
    end)

    it("takes Kong's fields from `extra` (lazily) and generates the id from $request_id", function()
      local c = conf()
      request({})
      local ctx = {}
      tap.access(c, ctx)
      tap.log(c, ctx, function() return { client_ip = "203.0.113.7", service = "users", route = "r1", consumer = "app", node = "kong-1" } end)
      local r = cjson.decode(tap.sinks[c.mirror_url].queue:take(1, 1e9)[1])
      assert.same({ "0123456789abcdef0123456789abcdef", "203.0.113.7", "users", "r1", "app", "kong-1" },
        { r.id, r.client_ip, r.service, r.route, r.consumer, r.node })
    end)

    it("parses the raw header block: order, duplicates, names as sent, bare LF, colons in values", function()
      n.req.raw_header = function()
        return "Host: a.example\r\nX-Dup: 1\r\nx-dup:2\nUser-Agent:  curl/8 (x:y)  \r\nEmpty:\r\n\r\n"
      end
      assert.same({ { "Host", "a.example" }, { "X-Dup", "1" }, { "x-dup", "2" }, { "User-Agent", "curl/8 (x:y)" },
        { "Empty", "" } }, tap.request_headers(100))
      assert.same({ { "Host", "a.example" }, { "X-Dup", "1" } }, tap.request_headers(2))
    end)

    it("falls back to the parsed headers (sorted) when there is no raw block (HTTP/2)", function()
      n.req.raw_header = function() error("http2 requests not supported yet") end
      n.req.get_headers = function() return { b = "2", a = { "1", "1b" } } end
      assert.same({ { "a", "1" }, { "a", "1b" }, { "b", "2" } }, tap.request_headers(100))
    end)

    it("ignores an X-Request-Id that is not a sane token", function()
      request({ headers = { { "X-Request-Id", "a b\"<script>" } } })
      assert.equal("0123456789abcdef0123456789abcdef", tap.request_id())
    end)

    it("cuts the in-memory body at max_body_bytes and marks it truncated", function()
      local c = conf({ max_body_bytes = 4 })
      request({ method = "POST", body = "abcdefgh", headers = { { "Content-Length", "8" } } })
      local ctx = {}
      tap.access(c, ctx)
      assert.same({ "abcd", true }, { ctx.body, ctx.body_truncated })
    end)

    it("reads a body spilled to disk up to the limit", function()
      local path = os.tmpname()
      local f = assert(io.open(path, "wb")); f:write(string.rep("z", 100)); f:close()
      request({ method = "POST", body_file = path, headers = { { "Content-Length", "100" } } })
      local ctx = {}
      tap.access(conf({ max_body_bytes = 10 }), ctx)
      assert.same({ string.rep("z", 10), true }, { ctx.body, ctx.body_truncated })
      ctx = {}
      tap.access(conf({ max_body_bytes = 100 }), ctx)
      assert.same({ string.rep("z", 100), false }, { ctx.body, ctx.body_truncated })
      os.remove(path)
    end)

    it("captures no body when there is none or max_body_bytes is 0", function()
      request({ method = "POST", body = "abc" }) -- no Content-Length / Transfer-Encoding
      local ctx = {}
      tap.access(conf(), ctx)
      assert.is_nil(ctx.body)
      request({ method = "POST", body = "abc", headers = { { "Content-Length", "3" } } })
      ctx = {}
      tap.access(conf({ max_body_bytes = 0 }), ctx)
      assert.is_nil(ctx.body)
    end)

    it("selects paths: exclude wins, include limits, prefixes and ~regexes", function()
      local c = conf({ include_paths = { "/api", "~^/v%d/" }, exclude_paths = { "/api/health" } })
      assert.is_true(tap.selected(c, "/api/users"))
      assert.is_true(tap.selected(c, "/v2/users"))
      assert.is_false(tap.selected(c, "/api/health"))
      assert.is_false(tap.selected(c, "/static/x.js"))
      assert.is_true(tap.selected(conf(), "/anything"))
    end)

    it("samples: rate 0 captures nothing, and the access decision holds in the log phase", function()
      local c = conf({ sample_rate = 0 })
      request({})
      local ctx = {}
      tap.access(c, ctx)
      assert.is_false(ctx.tap)
      tap.log(c, ctx)
      assert.is_nil(tap.sinks[c.mirror_url])
    end)

    it("captures requests refused before its access phase ran (selection in log)", function()
      local c = conf({ exclude_paths = { "/health" } })
      request({ uri = "/health" })
      tap.log(c, {})
      assert.is_nil(tap.sinks[c.mirror_url])
      request({ uri = "/api", status = 403 })
      tap.log(c, {})
      assert.equal(403, cjson.decode(tap.sinks[c.mirror_url].queue:take(1, 1e9)[1]).status)
    end)

    it("reports its counters in gateway.status()", function()
      local c = conf({ queue_max_records = 1, batch_max_records = 1 })
      request({})
      tap.log(c, { tap = true })
      tap.log(c, { tap = true })
      n.shared.palisade_decisions = ngx_stub.new_dict(nil, n.clock)
      n.shared.palisade_decisions:set("#version", "e:7")
      local st = cjson.decode(require("palisade.gateway").status())
      assert.same({ mirror = c.mirror_url, queued = 1, enqueued = 1, dropped = 1, sent = 0, failed = 0,
        rejected = 0, errors = 0, batches_identity = 0, batches_gzip = 0, mirror_down = false }, st.tap[1])
      assert.equal("e:7", st.decisions.version)
      assert.equal(0, st.worker)
    end)

    it("wakes the flusher when a batch is full, and starts one flush timer per mirror", function()
      local c = conf({ batch_max_records = 2 })
      request({})
      tap.log(c, { tap = true })
      local sink = tap.sinks[c.mirror_url]
      assert.equal(0, sink.sema.count)
      tap.log(c, { tap = true })
      assert.equal(1, sink.sema.count)
      assert.equal(1, #n.timers)
    end)
  end)

  describe("wait", function()
    it("backs off exponentially from `first`, capped, honouring a longer Retry-After up to the cap", function()
      local wait = require "palisade.wait"
      local b, seen = 0, {}
      for _ = 1, 6 do b = wait.backoff(b, 0.5, 5); seen[#seen + 1] = b end
      assert.same({ 0.5, 1, 2, 4, 5, 5 }, seen)
      assert.equal(3, wait.backoff(0, 0.5, 5, 3))
      assert.equal(5, wait.backoff(0, 0.5, 5, 3600))
      assert.equal(2, wait.backoff(1, 0.5, 5, 1))
    end)

    it("sleeps in slices and stops when the worker exits", function()
      local wait = require "palisade.wait"
      local t0 = n.clock.t
      assert.is_true(wait.sleep(1))
      assert.is_true(math.abs(n.clock.t - t0 - 1) < 1e-6)
      local slices = 0
      local real = n.sleep
      n.worker.exiting = function() return slices >= 2 end
      package.loaded["palisade.wait"] = nil
      n.sleep = function(s) slices = slices + 1; real(s) end
      wait = require "palisade.wait"
      t0 = n.clock.t
      assert.is_false(wait.sleep(30))
      assert.is_true(n.clock.t - t0 <= 0.41)
    end)
  end)

  describe("queue", function()
    it("is FIFO and bounded by record count, counting drops", function()
      local q = queue.new(3)
      assert.is_true(q:push("a")); assert.is_true(q:push("b")); assert.is_true(q:push("c"))
      assert.is_false(q:push("d"))
      assert.is_false(q:push("e"))
      assert.equal(2, q.dropped)
      assert.equal(3, q:count())
      assert.same({ "a", "b" }, (q:take(2, 1e9)))
      assert.is_true(q:push("f"))
      assert.same({ "c", "f" }, (q:take(10, 1e9)))
      assert.equal(0, q:count())
      assert.equal(4, q.enqueued)
    end)

    it("is bounded by bytes", function()
      local q = queue.new(100, 10)
      assert.is_true(q:push("12345"))
      assert.is_true(q:push("12345"))
      assert.is_false(q:push("1"))
      assert.equal(1, q.dropped)
      assert.equal(10, q.bytes)
    end)

    it("takes batches within a byte budget, but always at least one record", function()
      local q = queue.new(100)
      q:push("aaaa"); q:push("bbbb"); q:push("cccc")
      local batch, size = q:take(10, 9)
      assert.same({ "aaaa", "bbbb" }, batch)
      assert.equal(8, size)
      assert.same({ "cccc" }, (q:take(10, 2)))
    end)

    it("puts a failed batch back in front, dropping (and counting) what no longer fits", function()
      local q = queue.new(3)
      q:push("a"); q:push("b")
      local batch = q:take(2, 1e9)
      q:push("c"); q:push("d")
      q:requeue(batch)
      assert.equal(3, q:count())
      assert.equal(1, q.dropped)
      assert.same({ "b", "c", "d" }, (q:take(10, 1e9)))
    end)
  end)
end)
