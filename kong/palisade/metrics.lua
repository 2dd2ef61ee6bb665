-- Node-wide counters in Prometheus text format. They live in the decision dict (`decisions_dict`)
-- under "#m…" keys — no second lua_shared_dict to declare — so every worker adds to the same
-- numbers and the scrape reads them from any worker. Writes are dict:incr on keys created with
-- safe_add: a full dict loses a counter update, never a decision (incr with an init value could
-- evict one). Full snapshots keep "#" keys, so counters survive decision replacement; a
-- stop/start empties the dict and starts them from 0 (HUP reloads keep them), as Prometheus
-- expects of counters.
--
-- Who writes: the tap's flush loop publishes its worker's queue counters (captured, dropped,
-- queued) once per loop iteration (at most flush_interval_ms late, or the retry backoff while the
-- mirror fails; nothing is written per request),
-- and adds per batch (sent, rejected, batches, errors); enforcement adds a hit per matched request;
-- worker 0's sync loop adds per poll.
local M = {}

local tostring, concat = tostring, table.concat

local SCOPES = { "ip", "cidr", "api_key", "jwt_sub", "header" }
local ACTIONS = { "block", "throttle", "monitor" }

-- name, type, help, label sets ({label = {values}} expanded to every combination, in order)
M.DEFS = {
  { "palisade_gateway_records_captured_total", "counter", "Capture records encoded and queued for the mirror." },
  { "palisade_gateway_records_dropped_total", "counter",
    "Capture records not delivered: queue_full (no room when queued or re-queued after a failure), refused (the mirror answered a non-retriable 4xx), shutdown (still queued when the worker exited).",
    { { "reason", { "queue_full", "refused", "shutdown" } } } },
  { "palisade_gateway_records_sent_total", "counter", "Capture records the mirror answered 2xx for." },
  { "palisade_gateway_records_rejected_total", "counter", "Capture records the mirror rejected (line errors in its 202 answer; not retried)." },
  { "palisade_gateway_batches_total", "counter", "Batches the mirror accepted, by body encoding.",
    { { "encoding", { "identity", "gzip" } } } },
  { "palisade_gateway_flush_errors_total", "counter", "Batch POSTs to the mirror that failed (connection errors, timeouts, non-2xx)." },
  { "palisade_gateway_records_queued", "gauge", "Capture records waiting in the workers' queues (each worker reports once per flush interval)." },
  { "palisade_gateway_decision_hits_total", "counter",
    "Requests that matched a decision, by scope, action and outcome (refused, or monitored: passed with the monitor header).",
    { { "scope", SCOPES }, { "action", ACTIONS }, { "outcome", { "refused", "monitored" } } } },
  { "palisade_gateway_decisions", "gauge", "Decisions in the shared dict (exact after each full snapshot; between snapshots, deltas are added and removals subtracted)." },
  { "palisade_gateway_sync_polls_total", "counter", "Long-polls of the aggregator that returned (answered or failed)." },
  { "palisade_gateway_sync_errors_total", "counter", "Long-polls that failed (connection errors, non-200, bad JSON)." },
  { "palisade_gateway_sync_snapshots_total", "counter", "Full snapshots applied." },
  { "palisade_gateway_sync_epoch_changes_total", "counter", "Deltas from another epoch (aggregator restarted) that made the plugin ask for a snapshot." },
  { "palisade_gateway_sync_decisions_applied_total", "counter", "Decisions written to the dict." },
  { "palisade_gateway_sync_decisions_removed_total", "counter", "Decisions removed from the dict (lifted, expired, or absent from a snapshot)." },
  { "palisade_gateway_sync_decisions_invalid_total", "counter", "Decisions that could not be applied (bad scope, value or action)." },
  { "palisade_gateway_sync_dict_full_total", "counter", "Decisions refused because the shared dict was full." },
  { "palisade_gateway_aggregator_up", "gauge", "1 when the last long-poll succeeded, 0 when it failed." },
}

local function expand(labels)
  local out = { "" }
  for _, l in ipairs(labels or {}) do
    local name, values = l[1], l[2]
    local next_out = {}
    for _, prefix in ipairs(out) do
      for _, v in ipairs(values) do
        next_out[#next_out + 1] = prefix .. (prefix == "" and "" or ",") .. name .. '="' .. v .. '"'
      end
    end
    out = next_out
  end
  return out
end

--- The dict key of a series: "#m" .. name .. "{labels}" (labels as in the exposition).
local function key(name, labels)
  if labels and labels ~= "" then return "#m" .. name .. "{" .. labels .. "}" end
  return "#m" .. name
end
M.key = key

local function dict_of(dict)
  if type(dict) == "string" then return ngx.shared[dict] end
  return dict
end

--- Adds n (default 1) to a series; `labels` is the label text, e.g. 'reason="queue_full"'.
function M.inc(dict, name, labels, n)
  dict = dict_of(dict)
  if not dict then return end
  local k = key(name, labels)
  n = n or 1
  local v, err = dict:incr(k, n)
  if not v and err == "not found" then
    dict:safe_add(k, 0)
    dict:incr(k, n)
  end
end

--- Sets a gauge series.
function M.set(dict, name, labels, v)
  dict = dict_of(dict)
  if not dict then return end
  dict:safe_set(key(name, labels), v)
end

--- This worker's share of a gauge summed over workers at scrape time ("#m<name>@<worker>").
function M.set_worker(dict, name, v)
  dict = dict_of(dict)
  if not dict then return end
  dict:safe_set("#m" .. name .. "@" .. ngx.worker.id(), v)
end

local function label_escape(s)
  return (tostring(s):gsub("[\\\"\n]", { ["\\"] = "\\\\", ['"'] = '\\"', ["\n"] = "\\n" }))
end

local function number(v)
  if v == nil then return "0" end
  if v == math.floor(v) and v < 1e15 and v > -1e15 then return ("%d"):format(v) end
  return ("%.17g"):format(v)
end

--- The exposition text (format 0.0.4) of every series, zeros included.
function M.text(dict_name)
  local dict = dict_of(dict_name or "palisade_decisions")
  if not dict then return nil, "lua_shared_dict " .. tostring(dict_name) .. " is not declared" end
  local out = {}
  local workers = ngx.worker.count and ngx.worker.count() or 1
  for _, def in ipairs(M.DEFS) do
    local name, typ, help, labels = def[1], def[2], def[3], def[4]
    out[#out + 1] = "# HELP " .. name .. " " .. help
    out[#out + 1] = "# TYPE " .. name .. " " .. typ
    if name == "palisade_gateway_records_queued" then
      local sum = 0
      for w = 0, workers - 1 do sum = sum + (dict:get("#m" .. name .. "@" .. w) or 0) end
      out[#out + 1] = name .. " " .. number(sum)
    else
      for _, l in ipairs(expand(labels)) do
        out[#out + 1] = name .. (l ~= "" and ("{" .. l .. "}") or "") .. " " .. number(dict:get(key(name, l)))
      end
    end
  end
  -- from the decision set's own meta keys
  local version = dict:get("#version")
  if version then
    local epoch, counter = version:match("^(.*):([^:]*)$")
    out[#out + 1] = "# HELP palisade_gateway_decisions_epoch_info Epoch of the decision set (changes when the aggregator restarts)."
    out[#out + 1] = "# TYPE palisade_gateway_decisions_epoch_info gauge"
    out[#out + 1] = 'palisade_gateway_decisions_epoch_info{epoch="' .. label_escape(epoch or version) .. '"} 1'
    if tonumber(counter) then
      out[#out + 1] = "# HELP palisade_gateway_decisions_version Counter part of the last applied decision-set version."
      out[#out + 1] = "# TYPE palisade_gateway_decisions_version gauge"
      out[#out + 1] = "palisade_gateway_decisions_version " .. number(tonumber(counter))
    end
  end
  local synced = dict:get("#synced_at")
  if synced then
    out[#out + 1] = "# HELP palisade_gateway_decisions_synced_timestamp_seconds When the last answer of the aggregator was applied."
    out[#out + 1] = "# TYPE palisade_gateway_decisions_synced_timestamp_seconds gauge"
    out[#out + 1] = "palisade_gateway_decisions_synced_timestamp_seconds " .. ("%.3f"):format(synced / 1000)
  end
  out[#out + 1] = ""
  return concat(out, "\n")
end

M.CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

--- For a content handler on plain nginx:
---   location = /palisade/metrics { allow 127.0.0.1; deny all;
---     content_by_lua_block { require("palisade.metrics").serve() } }
function M.serve(dict_name)
  local text, err = M.text(dict_name)
  if not text then
    ngx.status = 500
    ngx.header["Content-Type"] = "text/plain"
    ngx.say(err)
    return ngx.exit(500)
  end
  ngx.header["Content-Type"] = M.CONTENT_TYPE
  ngx.print(text)
end

return M
