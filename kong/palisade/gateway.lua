-- What both adapters (Kong handler, plain nginx) call: one entry per phase, all ngx.* only.
-- Phase functions return what the adapter must do instead of doing it, so the Kong adapter can use
-- kong.response.exit and the nginx adapter ngx.exit.
local config = require "palisade.config"
local enforce = require "palisade.enforce"
local tap = require "palisade.tap"
local sync = require "palisade.sync"
local ratelog = require "palisade.ratelog"

local M = {}

-- Derived per-conf data, computed once per conf table (Kong keeps a conf table until the plugin
-- is reconfigured, so this is a cache keyed by identity).
local prepared = setmetatable({}, { __mode = "k" })

local function header_vars(list)
  local vars, names = {}, {}
  for i, n in ipairs(list) do names[i] = n:lower(); vars[i] = enforce.header_var(n) end
  return vars, names
end

--- The conf plus derived lookup data; cached per conf table.
function M.prepare(conf)
  local c = prepared[conf]
  if c then return c end
  c = setmetatable({}, { __index = conf })
  c.redact_set = config.name_set(conf.redact_headers)
  c.api_key_vars = header_vars(conf.api_key_headers)
  c.api_key_arg_vars = {}
  for i, name in ipairs(conf.api_key_query_params) do c.api_key_arg_vars[i] = "arg_" .. name end
  c.match_header_vars, c.match_headers = header_vars(conf.match_headers)
  prepared[conf] = c
  return c
end

--- init_worker: seeds sampling, starts decision sync on worker 0.
function M.init_worker(conf)
  math.randomseed(ngx.now() * 1000 + ngx.worker.pid())
  M.start_sync(conf)
end

--- Starts (or points at a new conf) the decision sync on worker 0; a no-op elsewhere.
function M.start_sync(conf)
  if not conf.enforce_enabled or ngx.worker.id() ~= 0 then return end
  local ok, err = sync.start(M.prepare(conf))
  if not ok then ngx.log(ngx.ERR, "palisade: cannot start decision sync: ", err) end
end

--- access: returns status, body, headers when the request must be refused; otherwise nil and
--- maybe a table of response headers to add (monitor). Fail-open: any error lets the request pass.
--- `ctx` per-request table; `client_ip` overrides $remote_addr (Kong's forwarded IP).
function M.access(conf, ctx, client_ip)
  local c = M.prepare(conf)
  local status, body, headers
  if c.enforce_enabled then
    local dict = ngx.shared[c.decisions_dict]
    if dict then
      local ok
      ok, status, body, headers = pcall(enforce.check, c, dict, client_ip, tap.request_id)
      if not ok then
        ratelog.log("enforce_error", c.log_interval_s, ngx.ERR, "enforcement error (request passed): " .. tostring(status))
        status, body, headers = nil, nil, nil
      end
    else
      ratelog.log("no_dict", c.log_interval_s, ngx.ERR, "lua_shared_dict " .. c.decisions_dict ..
        " is not declared; enforcement is off")
    end
  end
  if c.tap_enabled and not status then
    local ok, err = pcall(tap.access, c, ctx)
    if not ok then ratelog.log("tap_error", c.log_interval_s, ngx.ERR, "tap error: " .. tostring(err)) end
  end
  return status, body, headers
end

--- log: builds and enqueues the capture record. `extra` = Kong fields (client_ip, service, …).
function M.log(conf, ctx, extra)
  local c = M.prepare(conf)
  if not c.tap_enabled then return end
  local ok, err = pcall(tap.log, c, ctx, extra)
  if not ok then ratelog.log("tap_error", c.log_interval_s, ngx.ERR, "tap error: " .. tostring(err)) end
end

--- This worker's counters and the node's decision-set state, for a status endpoint:
---   location = /palisade/status { allow 127.0.0.1; deny all;
---     content_by_lua_block { ngx.say(require("palisade.gateway").status()) } }
--- Counters are per worker (each worker has its own queue and flush loop).
function M.status(dict_name)
  local sinks = {}
  for url, s in pairs(tap.sinks) do
    sinks[#sinks + 1] = { mirror = url, queued = s.queue:count(), enqueued = s.queue.enqueued,
      dropped = s.queue.dropped, sent = s.sent, failed = s.failed, rejected = s.rejected, errors = s.errors,
      batches_identity = s.batches.identity, batches_gzip = s.batches.gzip, mirror_down = s.down or false }
  end
  local dict = ngx.shared[dict_name or "palisade_decisions"]
  local cjson = require "cjson.safe"
  return cjson.encode({
    worker = ngx.worker.id(), pid = ngx.worker.pid(),
    tap = sinks,
    decisions = dict and { version = dict:get("#version"), synced_at_ms = dict:get("#synced_at"),
      free_bytes = dict.free_space and dict:free_space() or nil } or nil,
    sync = ngx.worker.id() == 0 and sync.stats or nil,
  })
end

return M
