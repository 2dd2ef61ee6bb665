-- Decision sync: one long-poll loop per node (run it on worker 0 only) that keeps the shared dict
-- in step with the aggregator (`GET /v1/decisions?since=V&wait=S`, DESIGN §2).
--  * full snapshot on first sync, on `full: true`, and after an epoch change (a delta from another
--    epoch is ignored and the version reset, so the next poll asks for a snapshot with since=0);
--  * aggregator down/erroring: the dict is left as it is (entries still expire by TTL), every other
--    request passes; logged once per log_interval_s; exponential backoff capped by
--    retry_max_backoff_ms, honouring Retry-After;
--  * the status-line wait is sliced (250 ms) and every sleep too, so a worker exit (reload/quit)
--    ends the loop within a fraction of a second even with a long-poll in flight.
local http = require "palisade.http"
local decisions = require "palisade.decisions"
local ratelog = require "palisade.ratelog"
local cjson = require "cjson.safe"
local wait = require "palisade.wait"
local metrics = require "palisade.metrics"

local exiting, now, update_time = ngx.worker.exiting, ngx.now, ngx.update_time
local escape_uri = ngx.escape_uri

local M = {}

M.stats = { polls = 0, errors = 0, applied = 0, removed = 0, snapshots = 0, dict_full = 0, invalid = 0 }

local running = false
local current_conf

local function poll_once(conf, dict)
  local u, err = http.parse_url(conf.aggregator_url)
  if not u then return nil, err end
  local since = dict:get("#version") or "0"
  local headers = { Accept = "application/json" }
  if conf.aggregator_token then headers.Authorization = "Bearer " .. conf.aggregator_token end
  local res
  res, err = http.request(u, {
    method = "GET",
    path = "/v1/decisions?since=" .. escape_uri(since) .. "&wait=" .. conf.poll_wait_s,
    headers = headers,
    connect_timeout_ms = 2000, send_timeout_ms = 2000,
    read_timeout_ms = (conf.poll_wait_s + 5) * 1000,
    abort = exiting,
    ssl_verify = conf.ssl_verify,
  })
  if not res then return nil, err end
  if res.status ~= 200 then
    return nil, "HTTP " .. res.status, tonumber(res.headers["retry-after"])
  end
  local body = cjson.decode(res.body)
  if type(body) ~= "table" then return nil, "response is not a JSON object" end
  update_time()
  local st = decisions.apply(dict, body, now() * 1000)
  if st.error then return nil, st.error end
  return st
end

--- Adds one poll's outcome (`st` from decisions.apply, or nil for a failed poll) to the metrics.
function M.publish(dict, st)
  metrics.inc(dict, "palisade_gateway_sync_polls_total")
  metrics.set(dict, "palisade_gateway_aggregator_up", nil, st and 1 or 0)
  if not st then
    metrics.inc(dict, "palisade_gateway_sync_errors_total")
    return
  end
  if st.resync then metrics.inc(dict, "palisade_gateway_sync_epoch_changes_total") end
  if st.snapshot then
    metrics.inc(dict, "palisade_gateway_sync_snapshots_total")
    metrics.set(dict, "palisade_gateway_decisions", nil, st.count)
  elseif st.count_delta and st.count_delta ~= 0 then
    metrics.inc(dict, "palisade_gateway_decisions", nil, st.count_delta)
  end
  local counts = { applied = "palisade_gateway_sync_decisions_applied_total",
    removed = "palisade_gateway_sync_decisions_removed_total", invalid = "palisade_gateway_sync_decisions_invalid_total",
    full_dict = "palisade_gateway_sync_dict_full_total" }
  for field, name in pairs(counts) do
    if st[field] > 0 then metrics.inc(dict, name, nil, st[field]) end
  end
end

local function loop(premature)
  if premature then running = false return end
  local backoff = 0
  local down = false
  while not exiting() do
    local conf = current_conf
    local dict = ngx.shared[conf.decisions_dict]
    while not dict do -- misconfiguration: say so (not "aggregator unreachable") and wait for a fix
      ratelog.log("no_dict", conf.log_interval_s, ngx.ERR, "lua_shared_dict " .. conf.decisions_dict ..
        " is not declared; decision sync is waiting for it")
      if not wait.sleep(5) then running = false return end
      conf = current_conf
      dict = ngx.shared[conf.decisions_dict]
    end
    local started = now()
    local ok, st, err, retry_after = pcall(poll_once, conf, dict)
    if not ok then st, err = nil, st end -- a bug must not kill the loop
    M.stats.polls = M.stats.polls + 1
    M.publish(dict, st)
    if st then
      if st.resync then
        dict:delete("#version")
        ngx.log(ngx.NOTICE, "palisade: decisions epoch changed; asking for a full snapshot")
      end
      if st.snapshot then M.stats.snapshots = M.stats.snapshots + 1 end
      M.stats.applied = M.stats.applied + st.applied
      M.stats.removed = M.stats.removed + st.removed
      if st.full_dict > 0 then
        M.stats.dict_full = M.stats.dict_full + st.full_dict
        ratelog.log("dict_full", conf.log_interval_s, ngx.ERR, "lua_shared_dict " .. conf.decisions_dict ..
          " is full: " .. st.full_dict .. " decisions could not be stored; enlarge it")
      end
      if st.invalid > 0 then
        M.stats.invalid = M.stats.invalid + st.invalid
        ratelog.log("invalid_decisions", conf.log_interval_s, ngx.WARN, st.invalid .. " decisions in the " ..
          "latest answer could not be applied (bad scope, value or action; api_key values must be the " ..
          "key's 32-hex-digit digest); " .. M.stats.invalid .. " so far")
      end
      if down then
        ngx.log(ngx.NOTICE, "palisade: aggregator reachable again")
        ratelog.reset("aggregator")
        down = false
      end
      backoff = 0
      update_time()
      -- a server that answers at once with nothing new must not turn this into a busy loop
      if st.applied == 0 and st.removed == 0 and now() - started < 0.1 then
        if not wait.sleep(0.1) then break end
      end
    else
      down = true
      M.stats.errors = M.stats.errors + 1
      backoff = wait.backoff(backoff, 0.5, conf.retry_max_backoff_ms / 1000, retry_after)
      if err ~= "status: aborted" then
        ratelog.log("aggregator", conf.log_interval_s, ngx.WARN, "aggregator unreachable (" .. tostring(err) ..
          "); keeping the decisions already synced until they expire, letting all other traffic through")
      end
      if not wait.sleep(backoff) then break end
    end
  end
  running = false
end

--- Starts (once per worker; call it on worker 0 only) or reconfigures the sync loop.
function M.start(conf)
  current_conf = conf
  if running then return true end
  local ok, err = ngx.timer.at(0, loop)
  if not ok then return nil, err end
  running = true
  return true
end

return M
