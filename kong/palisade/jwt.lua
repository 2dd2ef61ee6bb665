-- Unverified JWT claim extraction for enforcement. The token is NOT verified: blocking on an
-- unverified `sub` only ever refuses the request that carries it, so a forged token can get its
-- bearer blocked but never unblock anyone (see README, "Priority and trust").
local cjson = require "cjson.safe"
local decode_base64 = ngx.decode_base64
local find, sub, gsub, rep, match = string.find, string.sub, string.gsub, string.rep, string.match

local M = {}

local URL_TO_STD = { ["-"] = "+", ["_"] = "/" }

--- base64url (unpadded) → bytes, or nil.
function M.b64url_decode(s)
  s = gsub(s, "[-_]", URL_TO_STD)
  local pad = #s % 4
  if pad == 1 then return nil end
  if pad > 0 then s = s .. rep("=", 4 - pad) end
  return decode_base64(s)
end

--- The compact-serialised token in an Authorization header value ("Bearer <jwt>"), or nil.
function M.bearer_token(authorization)
  if type(authorization) ~= "string" then return nil end
  local token = match(authorization, "^[Bb][Ee][Aa][Rr][Ee][Rr]%s+([%w%-_]+%.[%w%-_]+%.[%w%-_]*)%s*$")
  return token
end

local MAX_TOKEN = 8192

-- Per-worker memo token → sub (false for none): a client sends the same token many times, and
-- decoding costs more than the dict lookups. Bounded: emptied when it reaches MEMO_MAX entries.
local MEMO_MAX = 512 -- × MAX_TOKEN (8 KiB) bounds it at 4 MiB per worker
local memo, memo_n = {}, 0

local decode_sub

--- `sub` claim (string) of an unverified compact JWT, or nil when absent/malformed.
function M.sub(token)
  if not token then return nil end
  local s = memo[token]
  if s == nil then
    s = decode_sub(token) or false
    if memo_n >= MEMO_MAX then memo, memo_n = {}, 0 end
    memo[token] = s
    memo_n = memo_n + 1
  end
  return s or nil
end

function decode_sub(token)
  if #token > MAX_TOKEN then return nil end
  local d1 = find(token, ".", 1, true)
  if not d1 then return nil end
  local d2 = find(token, ".", d1 + 1, true)
  if not d2 then return nil end
  local json = M.b64url_decode(sub(token, d1 + 1, d2 - 1))
  if not json then return nil end
  local claims = cjson.decode(json)
  if type(claims) ~= "table" then return nil end
  local s = claims.sub
  if type(s) == "number" then s = tostring(s) end
  if type(s) ~= "string" or s == "" then return nil end
  return s
end

return M
