-- The tap: choose and read in access, encode in log, ship from a timer.
--  access: sampling and path selection, then up to max_body_bytes of the request body (in memory,
--          or read back from nginx's temp file when the body was spilled to disk), kept in ctx.
--  log:    the capture record (DESIGN §2) is encoded here, once, and pushed onto a bounded
--          per-worker queue (no cosockets in this phase; a full queue drops and counts).
--  flush:  one timer loop per worker and mirror sends NDJSON batches (size or interval) with a
--          bearer token; errors and 503 back off (Retry-After honoured) and the batch is put back
--          while it fits; 4xx other than 408/429 drops the batch (counted) — it would fail again.
local record = require "palisade.record"
local queue = require "palisade.queue"
local http = require "palisade.http"
local ratelog = require "palisade.ratelog"
local semaphore = require "ngx.semaphore"
local wait = require "palisade.wait"
local metrics = require "palisade.metrics"
local gzip = require "palisade.gzip"
local cjson = require "cjson.safe"

local var, req = ngx.var, ngx.req
local now, update_time, exiting = ngx.now, ngx.update_time, ngx.worker.exiting
local encode_base64 = ngx.encode_base64
local re_find = ngx.re.find
local random = math.random
local sub, find, byte, concat = string.sub, string.find, string.byte, table.concat
local tonumber = tonumber

local M = {}

------------------------------------------------------------------------------------------------
-- selection

local function path_matches(list, path)
  for i = 1, #list do
    local p = list[i]
    if sub(p, 1, 1) == "~" then
      if re_find(path, sub(p, 2), "jo") then return true end
    elseif sub(path, 1, #p) == p then
      return true
    end
  end
  return false
end

--- Whether a request with this normalized path is captured (sampling aside).
function M.selected(conf, path)
  if #conf.exclude_paths > 0 and path_matches(conf.exclude_paths, path) then return false end
  if #conf.include_paths > 0 and not path_matches(conf.include_paths, path) then return false end
  return true
end

------------------------------------------------------------------------------------------------
-- access

--- Reads up to `limit` bytes of the request body. Returns data (or nil), truncated.
function M.read_body(limit)
  if limit <= 0 then return nil, false end
  local cl = var.http_content_length
  if (not cl or cl == "0") and not var.http_transfer_encoding then return nil, false end
  req.read_body()
  local data = req.get_body_data()
  if data then
    if #data > limit then return sub(data, 1, limit), true end
    return data, false
  end
  local path = req.get_body_file()
  if not path then return nil, false end
  local f, err = io.open(path, "rb")
  if not f then
    ratelog.log("body_file", 60, ngx.WARN, "cannot read spilled request body: " .. tostring(err))
    return nil, true
  end
  data = f:read(limit) or ""
  local size = f:seek("end")
  f:close()
  return data, size > #data
end

--- Access phase: decides whether this request is captured and grabs its body.
--- `ctx` is a per-request table (ngx.ctx or kong.ctx.plugin).
function M.access(conf, ctx)
  local rate = conf.sample_rate
  if (rate < 1 and random() >= rate) or not M.selected(conf, var.uri) then
    ctx.tap = false
    return
  end
  ctx.tap = true
  ctx.body, ctx.body_truncated = M.read_body(conf.max_body_bytes)
end

------------------------------------------------------------------------------------------------
-- log

--- Request headers in arrival order with names as sent; [name, value] pairs.
function M.request_headers(max)
  local out = {}
  local ok, raw = pcall(req.raw_header, true) -- raises on HTTP/2 and HTTP/3
  if ok and type(raw) == "string" then
    -- plain finds and byte checks (JIT-compiled), not patterns: this runs for every captured request
    local pos, len, n = 1, #raw, 0
    while pos <= len and n < max do
      local eol = find(raw, "\n", pos, true) or (len + 1)
      local colon = find(raw, ":", pos, true)
      if colon and colon < eol and colon > pos then
        local vs, ve = colon + 1, eol - 1
        while vs <= ve and (byte(raw, vs) == 32 or byte(raw, vs) == 9) do vs = vs + 1 end
        while ve >= vs and (byte(raw, ve) == 13 or byte(raw, ve) == 32 or byte(raw, ve) == 9) do ve = ve - 1 end
        n = n + 1
        out[n] = { sub(raw, pos, colon - 1), sub(raw, vs, ve) }
      end
      pos = eol + 1
    end
    return out
  end
  -- HTTP/2 and HTTP/3 have no raw header block: fall back to the parsed table (sorted by name)
  local h = req.get_headers(max, true)
  local names = {}
  for k in pairs(h) do names[#names + 1] = k end
  table.sort(names)
  for _, k in ipairs(names) do
    local v = h[k]
    if type(v) == "table" then
      for _, x in ipairs(v) do out[#out + 1] = { k, x } end
    else
      out[#out + 1] = { k, v }
    end
  end
  return out
end

--- The request id: an incoming X-Request-Id (if sane) or nginx's $request_id.
function M.request_id()
  local id = var.http_x_request_id
  if id and #id <= 200 and not find(id, "[^%w%-_.:]") then return id end
  return var.request_id
end

--- Builds the record fields from nginx variables; `extra` (Kong adapter; a table or a function
--- returning one, called only for captured requests) may add or override client_ip, service,
--- route, consumer, node.
function M.build(conf, ctx, extra)
  update_time()
  local start = req.start_time()
  local t = now()
  local r = {
    id = ctx.request_id or M.request_id(),
    ts = math.floor(start * 1000),
    node = conf.node_name or M.hostname(),
    client_ip = var.remote_addr,
    method = req.get_method(),
    scheme = var.scheme,
    host = var.host,
    path = var.request_uri,
    headers = M.request_headers(conf.max_headers),
    body = ctx.body,
    body_truncated = ctx.body_truncated,
    status = ngx.status,
    latency_ms = math.floor((t - start) * 1e6 + 0.5) / 1000,
    response_bytes = tonumber(var.body_bytes_sent),
  }
  if type(extra) == "function" then extra = extra() end
  if extra then for k, v in pairs(extra) do r[k] = v end end
  return r
end

local hostname
function M.hostname()
  if not hostname then
    local f = io.open("/proc/sys/kernel/hostname")
    hostname = f and f:read("*l") or "unknown"
    if f then f:close() end
  end
  return hostname
end

------------------------------------------------------------------------------------------------
-- queue + flush (per worker, per mirror URL)

local sinks = {}    -- mirror_url → sink
M.sinks = sinks

-- Batches smaller than this are sent plain even with `gzip` on: compressing them saves too little.
M.GZIP_MIN_BYTES = 1024

--- The POST body for a batch: NDJSON, gzip-compressed when configured, zlib is there and the
--- batch is worth it (with the sink's own compressor, yielding between slices). Returns body,
--- content encoding ("identity" or "gzip").
local function yield() ngx.sleep(0.001) end -- between gzip slices: let requests run

function M.batch_body(conf, batch, sink)
  batch[#batch + 1] = "" -- trailing newline without copying the records again
  local body = concat(batch, "\n")
  batch[#batch] = nil
  if conf.gzip and #body >= M.GZIP_MIN_BYTES then
    if not gzip.available then
      ratelog.log("no_zlib", 3600, ngx.WARN, "gzip is on but zlib (libz.so.1) could not be loaded; sending batches uncompressed")
      return body, "identity"
    end
    local gz, err
    if sink then
      if not sink.gzip then sink.gzip, err = gzip.new() end
      if sink.gzip then gz, err = sink.gzip:compress(body, yield) end
    else
      gz, err = gzip.compress(body)
    end
    if gz then return gz, "gzip" end
    ratelog.log("gzip", conf.log_interval_s, ngx.WARN, "gzip failed (" .. tostring(err) .. "); batch sent uncompressed")
  end
  return body, "identity"
end

local function send(sink, batch)
  local conf = sink.conf
  local u, err = http.parse_url(conf.mirror_url)
  if not u then return nil, err end
  local headers = { ["Content-Type"] = "application/x-ndjson" }
  if conf.mirror_token then headers.Authorization = "Bearer " .. conf.mirror_token end
  local body, encoding = M.batch_body(conf, batch, sink)
  if encoding == "gzip" then headers["Content-Encoding"] = "gzip" end
  local res
  res, err = http.request(u, {
    method = "POST", path = "/v1/capture", headers = headers, body = body,
    connect_timeout_ms = conf.mirror_timeout_ms, send_timeout_ms = conf.mirror_timeout_ms,
    read_timeout_ms = conf.mirror_timeout_ms, ssl_verify = conf.ssl_verify,
  })
  if not res then return nil, err, true end
  if res.status >= 200 and res.status < 300 then
    sink.batches[encoding] = sink.batches[encoding] + 1
    metrics.inc(conf.decisions_dict, "palisade_gateway_batches_total", 'encoding="' .. encoding .. '"')
    -- 202 {accepted, rejected, errors:[{line, reason}]}: rejected lines are not retried (they
    -- would be rejected again) but counted and reported, since they mean a contract mismatch
    local answer = cjson.decode(res.body or "")
    if type(answer) == "table" and tonumber(answer.rejected) and answer.rejected > 0 then
      sink.rejected = sink.rejected + answer.rejected
      metrics.inc(conf.decisions_dict, "palisade_gateway_records_rejected_total", nil, answer.rejected)
      local first = type(answer.errors) == "table" and answer.errors[1]
      ratelog.log("mirror_rejected", conf.log_interval_s, ngx.WARN, "mirror rejected " .. sink.rejected ..
        " records so far; latest: " .. (type(first) == "table" and tostring(first.reason) or "?"))
    end
    return res
  end
  local retriable = res.status >= 500 or res.status == 408 or res.status == 429
  return nil, "HTTP " .. res.status, retriable, tonumber(res.headers["retry-after"])
end

-- Sends one batch; returns the backoff to wait (0 after a success). On a retriable failure the
-- batch goes back to the front of the queue (minus what no longer fits, counted as dropped).
local function flush_once(sink, backoff, final)
  local conf, q = sink.conf, sink.queue
  local batch = q:take(conf.batch_max_records, conf.batch_max_bytes)
  local ok, res, err, retriable, retry_after = pcall(send, sink, batch)
  if not ok then res, err, retriable = nil, res, false end
  if res then
    sink.sent = sink.sent + #batch
    metrics.inc(conf.decisions_dict, "palisade_gateway_records_sent_total", nil, #batch)
    if sink.down then
      sink.down = false
      ratelog.reset("mirror")
      ngx.log(ngx.NOTICE, "palisade: mirror reachable again")
    end
    return 0
  end
  sink.down = true
  sink.errors = sink.errors + 1
  metrics.inc(conf.decisions_dict, "palisade_gateway_flush_errors_total")
  if retriable and not final then
    q:requeue(batch) -- what no longer fits is counted in q.dropped (published as queue_full)
  else
    sink.failed = sink.failed + #batch
    metrics.inc(conf.decisions_dict, "palisade_gateway_records_dropped_total",
      final and 'reason="shutdown"' or 'reason="refused"', #batch)
  end
  ratelog.log("mirror", conf.log_interval_s, ngx.WARN, "mirror send failed (" .. tostring(err) ..
    "); queued " .. q:count() .. ", dropped " .. q.dropped .. ", failed " .. sink.failed .. " so far")
  return wait.backoff(backoff, 0.2, conf.retry_max_backoff_ms / 1000, retry_after)
end

local EXIT_DRAIN_S = 1 -- at worker exit, keep sending what is queued for at most this long

-- Publishes this worker's queue counters (kept per worker, in plain Lua numbers, so the request
-- path writes nothing shared) to the node-wide metrics: deltas since the last call.
local function publish(sink)
  local q, dict = sink.queue, sink.conf.decisions_dict
  if q.enqueued > sink.published_enqueued then
    metrics.inc(dict, "palisade_gateway_records_captured_total", nil, q.enqueued - sink.published_enqueued)
    sink.published_enqueued = q.enqueued
  end
  if q.dropped > sink.published_dropped then
    metrics.inc(dict, "palisade_gateway_records_dropped_total", 'reason="queue_full"', q.dropped - sink.published_dropped)
    sink.published_dropped = q.dropped
  end
  metrics.set_worker(dict, "palisade_gateway_records_queued", q:count())
end
M.publish = publish

local function flush_loop(premature, sink)
  if premature then sink.running = false return end
  local backoff = 0
  while not exiting() do
    local conf, q = sink.conf, sink.queue
    -- wait for a full batch or the interval, in slices so that worker exit is noticed quickly
    -- (after a failure the backoff was the wait: retry at once)
    local deadline = now() + (backoff > 0 and 0 or conf.flush_interval_ms / 1000)
    while q:count() < conf.batch_max_records and not exiting() do
      local left = deadline - now()
      if left < 0.001 then break end
      sink.sema:wait(left < 0.2 and left or 0.2)
      update_time()
    end
    if q:count() > 0 and not exiting() then
      backoff = flush_once(sink, backoff, false)
      if backoff > 0 then
        publish(sink)
        wait.sleep(backoff)
      end
    end
    publish(sink)
    if q.dropped > sink.reported_drops then
      sink.reported_drops = q.dropped
      ratelog.log("queue_full", conf.log_interval_s, ngx.WARN, "capture queue full: " .. q.dropped ..
        " records dropped so far in this worker")
    end
  end
  -- worker exit (reload/quit): drain for a bounded time, then count what is left
  local q = sink.queue
  local stop_at = now() + EXIT_DRAIN_S
  while q:count() > 0 and now() < stop_at do
    if flush_once(sink, 0, true) > 0 then break end
    update_time()
  end
  if q:count() > 0 then
    sink.failed = sink.failed + q:count()
    metrics.inc(sink.conf.decisions_dict, "palisade_gateway_records_dropped_total", 'reason="shutdown"', q:count())
    ngx.log(ngx.WARN, "palisade: worker exiting: ", q:count(), " capture records not sent")
    q:take(math.huge, math.huge)
  end
  publish(sink)
  sink.running = false
end

--- The sink for this conf (created on first use), with its queue; starts its flush timer if needed.
function M.sink(conf)
  local s = sinks[conf.mirror_url]
  if not s then
    s = { queue = queue.new(conf.queue_max_records, conf.queue_max_bytes), sema = semaphore.new(),
      sent = 0, errors = 0, failed = 0, rejected = 0, reported_drops = 0, running = false,
      batches = { identity = 0, gzip = 0 }, published_enqueued = 0, published_dropped = 0 }
    sinks[conf.mirror_url] = s
  end
  s.conf = conf
  if not s.running and not exiting() then
    local ok = ngx.timer.at(0, flush_loop, s)
    s.running = ok and true or false
  end
  return s
end

--- Log phase: encode and enqueue. `extra` see build().
function M.log(conf, ctx, extra)
  local tap = ctx.tap
  if tap == false then return end
  if tap == nil then
    -- the access phase did not run for us (request refused earlier): select now, without body
    if (conf.sample_rate < 1 and random() >= conf.sample_rate) or not M.selected(conf, var.uri) then return end
  end
  local s = M.sink(conf)
  local line = record.encode(M.build(conf, ctx, extra), conf.redact_set, conf.redact_keep_jwt_claims, encode_base64)
  if s.queue:push(line) and s.queue:count() >= conf.batch_max_records then
    s.sema:post(1)
  end
end

return M
