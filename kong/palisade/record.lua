-- Capture record encoding (DESIGN §2): one JSON object per request, encoded once in the log phase
-- so that flushing only joins strings. Field order is fixed; absent optional fields are omitted.
local json = require "palisade.json"
local escape = json.escape
local concat = table.concat
local format, floor, lower = string.format, math.floor, string.lower

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

-- Appends `,"name":<value>` for a non-nil value; returns the new buffer length. Module-level (no
-- closures) and piecewise (no intermediate strings): this runs once per request.
local function field(b, n, prefix, v)
  if v == nil then return n end
  b[n + 1] = prefix
  local t = type(v)
  if t == "string" then
    b[n + 2] = '"'
    b[n + 3] = escape(v)
    b[n + 4] = '"'
    return n + 4
  elseif t == "boolean" then
    b[n + 2] = v and "true" or "false"
  elseif v == floor(v) and v > -1e15 and v < 1e15 then
    b[n + 2] = format("%d", v)
  else
    b[n + 2] = format("%.3f", v)
  end
  return n + 2
end

--- Encodes a record. `r` fields (all optional but method/path):
---   id, ts (ms), node, client_ip, method, scheme, host, path, headers ({{name, value}, …}),
---   body (raw bytes; encoded here as body_b64), body_truncated, status, latency_ms,
---   response_bytes, service, route, consumer
--- `redact` maps lowercase header names to true; `keep_jwt_claims` see mask().
function M.encode(r, redact, keep_jwt_claims, encode_base64)
  local b = { '{"id":"', escape(r.id or ""), '"' }
  local n = 3
  n = field(b, n, ',"ts":', r.ts)
  n = field(b, n, ',"node":', r.node)
  n = field(b, n, ',"client_ip":', r.client_ip)
  n = field(b, n, ',"method":', r.method)
  n = field(b, n, ',"scheme":', r.scheme)
  n = field(b, n, ',"host":', r.host)
  n = field(b, n, ',"path":', r.path)
  b[n + 1] = ',"headers":['
  n = n + 1
  local hs = r.headers or {}
  for i = 1, #hs do
    local h = hs[i]
    local name, value = h[1], h[2]
    if redact then
      local lname = lower(name)
      if redact[lname] then value = M.mask(lname, value, keep_jwt_claims) end
    end
    b[n + 1] = i > 1 and ',["' or '["'
    b[n + 2] = escape(name)
    b[n + 3] = '","'
    b[n + 4] = escape(value)
    b[n + 5] = '"]'
    n = n + 5
  end
  b[n + 1] = "]"
  n = n + 1
  if r.body and #r.body > 0 then n = field(b, n, ',"body_b64":', encode_base64(r.body)) end
  n = field(b, n, ',"body_truncated":', r.body_truncated and true or false)
  n = field(b, n, ',"status":', r.status)
  n = field(b, n, ',"latency_ms":', r.latency_ms)
  n = field(b, n, ',"response_bytes":', r.response_bytes)
  n = field(b, n, ',"service":', r.service)
  n = field(b, n, ',"route":', r.route)
  n = field(b, n, ',"consumer":', r.consumer)
  b[n + 1] = "}"
  return concat(b, "", 1, n + 1)
end

return M
