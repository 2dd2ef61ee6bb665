-- Enforcement in the access phase: gather the request's identities, look them up in the decision
-- dict (a few shared-dict gets; no I/O), and refuse or annotate.
--   block decision    → block_status (403) JSON {message, request_id[, reason]}
--   throttle decision → throttle_status (429) + Retry-After
--   monitor decision, or plugin mode "monitor" → the request passes; monitor header + info log
local decisions = require "palisade.decisions"
local ipm = require "palisade.ip"
local jwt = require "palisade.jwt"
local json = require "palisade.json"
local metrics = require "palisade.metrics"

local var = ngx.var
local unescape_uri = ngx.unescape_uri
local lower = string.lower

local M = {}

--- Identities of the current request for decisions.lookup. `c` is a prepared conf (gateway.lua):
--- c.api_key_vars / c.match_header_vars are ngx.var names ("http_x_api_key"), c.api_key_arg_vars
--- ("arg_apikey"), c.match_headers the
--- lowercase header names. `client_ip` defaults to $remote_addr.
function M.identities(c, client_ip)
  local id = { ip_bin = ipm.parse(client_ip or var.remote_addr) }
  local vars = c.api_key_vars
  for i = 1, #vars do
    local v = var[vars[i]]
    if v then
      local keys = id.api_keys
      if not keys then keys = {} id.api_keys = keys end
      keys[#keys + 1] = v
    end
  end
  vars = c.api_key_arg_vars
  if #vars > 0 and var.args then
    for i = 1, #vars do
      local v = var[vars[i]]
      if v and v ~= "" then
        local keys = id.api_keys
        if not keys then keys = {} id.api_keys = keys end
        keys[#keys + 1] = unescape_uri(v) -- as the workers decode it ('+' is a space)
      end
    end
  end
  if c.match_jwt_sub then
    local auth = var.http_authorization
    if auth then id.jwt_sub = jwt.sub(jwt.bearer_token(auth)) end
  end
  vars = c.match_header_vars
  for i = 1, #vars do
    local v = var[vars[i]]
    if v then
      local hs = id.headers
      if not hs then hs = {} id.headers = hs end
      hs[#hs + 1] = c.match_headers[i] .. ":" .. v
    end
  end
  return id
end

--- The refusal for a decision: status, body (JSON), headers; or nil, nil, headers-to-add when it
--- is only monitored; or nil when there is no decision.
function M.verdict(c, action, scope, reason, request_id)
  if not action then return nil end
  if c.mode == "monitor" or action == "monitor" then
    return nil, nil, { [c.monitor_header] = action .. "; scope=" .. scope }
  end
  local throttle = action == "throttle"
  local status = throttle and c.throttle_status or c.block_status
  local body = '{"message":' .. json.string(throttle and c.throttle_message or c.block_message) ..
    ',"request_id":' .. json.string(request_id or "") ..
    (c.expose_reason and reason and reason ~= "" and (',"reason":' .. json.string(reason)) or "") .. "}"
  local headers = { ["Content-Type"] = "application/json" }
  if throttle and c.throttle_retry_after_s > 0 then headers["Retry-After"] = tostring(c.throttle_retry_after_s) end
  return status, body, headers
end

--- Checks the request; returns like verdict(). `dict` is the decision shared dict.
function M.check(c, dict, client_ip, request_id_fn)
  local action, scope, reason = decisions.lookup(dict, M.identities(c, client_ip))
  if not action then return nil end
  local status, body, headers = M.verdict(c, action, scope, reason, request_id_fn())
  metrics.inc(dict, "palisade_gateway_decision_hits_total",
    'scope="' .. scope .. '",action="' .. action .. '",outcome="' .. (status and "refused" or "monitored") .. '"')
  if not status then
    ngx.log(ngx.INFO, "palisade: monitor: ", action, " decision matched by ", scope,
      c.mode == "monitor" and " (mode monitor)" or "")
  end
  return status, body, headers
end

M.header_var = function(name) return "http_" .. lower(name):gsub("-", "_") end

return M
