-- The tap's flush loop with a scripted mirror (palisade.http stubbed): NDJSON batches with the
-- bearer token, batch size limits, retry with backoff and Retry-After, requeue vs drop, rejected
-- lines reported, and a bounded drain at worker exit.
local ngx_stub = require "ngx_stub"
local cjson = require "cjson"

describe("tap flush loop", function()
  local n, tap, posts, script, exit_after

  before_each(function()
    n = ngx_stub.install()
    for name in pairs(package.loaded) do if name:find("^palisade") then package.loaded[name] = nil end end
    posts, script = {}, {}
    exit_after = math.huge
    n.worker.exiting = function() return #posts >= exit_after end
    local real_http = require "palisade.http"
    package.loaded["palisade.http"] = {
      parse_url = real_http.parse_url,
      request = function(u, opts)
        posts[#posts + 1] = { url = u, opts = opts, t = n.clock.t }
        local step = script[#posts] or { status = 202, headers = {}, body = '{"accepted":1,"rejected":0,"errors":[]}' }
        if step == "down" then return nil, "connect: connection refused" end
        return step
      end,
    }
    tap = require "palisade.tap"
  end)

  local function conf(extra)
    local c = { mirror_url = "http://mirror:8081", mirror_token = "tok", enforce_enabled = false,
      batch_max_records = 3, flush_interval_ms = 1000, retry_max_backoff_ms = 5000 }
    for k, v in pairs(extra or {}) do c[k] = v end
    return require("palisade.gateway").prepare(assert(require("palisade.config").validate(c)))
  end

  local function enqueue(c, count)
    local sink = tap.sink(c)
    for i = 1, count do sink.queue:push(('{"id":"r%d","method":"GET","path":"/"}'):format(i)) end
    return sink
  end

  local function run(_, steps, posts_before_exit)
    script = steps
    exit_after = posts_before_exit
    local t = table.remove(n.timers, 1)
    t.fn(false, unpack(t.args))
  end

  it("posts NDJSON batches of at most batch_max_records with the bearer token", function()
    local c = conf()
    enqueue(c, 7)
    run(c, {}, 3)
    assert.equal(3, #posts)
    local o = posts[1].opts
    assert.same({ "POST", "/v1/capture", "Bearer tok", "application/x-ndjson" },
      { o.method, o.path, o.headers.Authorization, o.headers["Content-Type"] })
    local lines = {}
    for line in o.body:gmatch("([^\n]*)\n") do lines[#lines + 1] = cjson.decode(line).id end
    assert.same({ "r1", "r2", "r3" }, lines)
    assert.equal("\n", o.body:sub(-1))
    assert.equal(7, tap.sinks[c.mirror_url].sent)
  end)

  it("sends a partial batch after flush_interval_ms", function()
    local c = conf()
    enqueue(c, 1)
    local t0 = n.clock.t
    run(c, {}, 1)
    assert.is_true(posts[1].t - t0 >= 0.999)
  end)

  it("retries a retriable failure with backoff, honouring Retry-After, keeping order", function()
    local c = conf()
    local sink = enqueue(c, 2)
    run(c, { "down", { status = 503, headers = { ["retry-after"] = "2" }, body = "" } }, 3)
    assert.equal(3, #posts)
    assert.equal(0.2, math.floor((posts[2].t - posts[1].t) * 10 + 0.5) / 10)
    assert.equal(2, math.floor(posts[3].t - posts[2].t + 0.5))
    assert.equal(posts[1].opts.body, posts[3].opts.body)
    assert.same({ 2, 0, 2 }, { sink.sent, sink.failed, sink.errors })
    local warned = 0
    for _, l in ipairs(n.logs) do if l.msg:find("mirror send failed", 1, true) then warned = warned + 1 end end
    assert.equal(1, warned)
  end)

  it("drops (and counts) a batch the mirror refuses for good", function()
    local c = conf()
    local sink = enqueue(c, 2)
    run(c, { { status = 401, headers = {}, body = "" } }, 1)
    assert.same({ 0, 2 }, { sink.sent, sink.failed })
    assert.equal(0, sink.queue:count())
  end)

  it("reports lines the mirror rejected", function()
    local c = conf()
    local sink = enqueue(c, 3)
    run(c, { { status = 202, headers = {}, body = '{"accepted":2,"rejected":1,"errors":[{"line":2,"reason":"path is required"}]}' } }, 1)
    assert.equal(1, sink.rejected)
    assert.truthy(n.logs[#n.logs].msg:find("mirror rejected 1 records so far; latest: path is required", 1, true))
  end)

  it("drains what is queued at worker exit, within a bound, and counts the rest", function()
    local c = conf()
    local sink = enqueue(c, 5)
    exit_after = 0
    script = { nil, "down" }
    local t = table.remove(n.timers, 1)
    t.fn(false, unpack(t.args))
    assert.equal(2, #posts) -- one batch sent, the next failed: stop, count the rest
    assert.same({ 3, 2 }, { sink.sent, sink.failed })
    assert.is_false(sink.running)
  end)

  it("does nothing on a premature timer", function()
    local c = conf()
    enqueue(c, 1)
    local t = table.remove(n.timers, 1)
    t.fn(true, unpack(t.args))
    assert.equal(0, #posts)
  end)
end)
