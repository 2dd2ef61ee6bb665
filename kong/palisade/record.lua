-- Capture record encoding (DESIGN §2): one JSON object per request, encoded once in the log phase
-- so that flushing only joins strings. Field order is fixed; absent optional fields are omitted.
local json = require "palisade.json"
local str = json.string
local concat = table.concat
local format, floor = string.format, math.floor

local M = {}

--- Masks a redacted header value while keeping what detection needs and nothing replayable:
---   "Bearer <jwt>"   → "Bearer <header>.<claims>.redacted" (signature dropped, claims kept) when
---                      keep_jwt_claims, else "Bearer ***"
---   "Basic xyz"      → "Basic ***"            (the auth scheme is kept)
---   cookies a=1; b=2 → "a=***; b=***"         (cookie names are kept)
---   anything else    → "***"
function M.mask(name, value, keep_jwt_claims)
  local function token(v)
    if keep_jwt_claims then
      local h, p = v:match("^([%w%-_]+)%.([%w%-_]+)%.[%w%-_]*$")
      if h then return h .. "." .. p .. ".redacted" end
    end
    return "***"
  end
  if name == "cookie" or name == "set-cookie" then
    local parts = {}
    for item in (value .. ";"):gmatch("%s*([^;]*);") do
      if item ~= "" then
        local k, v = item:match("^([^=]*)=(.*)$")
        parts[#parts + 1] = k and (k .. "=" .. token(v)) or "***"
      end
    end
    return concat(parts, "; ")
  end
  local scheme, rest = value:match("^(%a[%w%-]*)%s+(%S+)%s*$")
  if scheme and (name == "authorization" or name == "proxy-authorization") then
    return scheme .. " " .. token(rest)
  end
  return "***"
end

--- Encodes a record. `r` fields (all optional but method/path):
---   id, ts (ms), node, client_ip, method, scheme, host, path, headers ({{name, value}, …}),
---   body (raw bytes; encoded here as body_b64), body_truncated, status, latency_ms,
---   response_bytes, service, route, consumer
--- `redact` maps lowercase header names to true; `keep_jwt_claims` see mask().
function M.encode(r, redact, keep_jwt_claims, encode_base64)
  local b, n = {}, 0
  local function put(s) n = n + 1; b[n] = s end
  local function field(name, v)
    if v == nil then return end
    put(',"' .. name .. '":')
    local t = type(v)
    if t == "string" then put(str(v))
    elseif t == "boolean" then put(v and "true" or "false")
    elseif v == floor(v) and v > -1e15 and v < 1e15 then put(format("%d", v))
    else put(format("%.3f", v)) end
  end
  put('{"id":' .. str(r.id or ""))
  field("ts", r.ts)
  field("node", r.node)
  field("client_ip", r.client_ip)
  field("method", r.method)
  field("scheme", r.scheme)
  field("host", r.host)
  field("path", r.path)
  put(',"headers":[')
  local hs = r.headers or {}
  for i = 1, #hs do
    local name, value = hs[i][1], hs[i][2]
    local lname = name:lower()
    if redact and redact[lname] then value = M.mask(lname, value, keep_jwt_claims) end
    put((i > 1 and ',[' or '[') .. str(name) .. ',' .. str(value) .. ']')
  end
  put(']')
  if r.body and #r.body > 0 then field("body_b64", encode_base64(r.body)) end
  field("body_truncated", r.body_truncated and true or false)
  field("status", r.status)
  field("latency_ms", r.latency_ms)
  field("response_bytes", r.response_bytes)
  field("service", r.service)
  field("route", r.route)
  field("consumer", r.consumer)
  put("}")
  return concat(b, "", 1, n)
end

return M
