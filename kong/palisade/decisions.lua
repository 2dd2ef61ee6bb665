-- The decision set in a lua_shared_dict: written by the one syncing worker, read by every worker.
--
-- Keys (binary-safe): "i"..ip_bin (exact IP), "c"..char(prefix_len)..network_bin (CIDR),
-- "k"..api_key_digest (32 lower-case hex digits: palisade.digest, the workers' IdentityHash), "s"..jwt_sub, "h"..lower(header_name)..":"..value. Values: "<action>\t<reason>".
-- Expiry is the dict TTL (from the decision's expires_at), so an expired decision disappears
-- without a sweep, and keeps being enforced until then even if the aggregator is gone.
-- Meta keys start with "#": "#version" (the "epoch:counter" last applied), "#cidr" (tags of what
-- the set holds: CIDR prefix lengths "4/24,16/48" = family-bytes/len, and "k" when there are
-- api_key decisions — a request's keys are hashed only then; only grows with deltas, recomputed
-- by each full snapshot — a stale tag costs one extra lookup or hash), "#m…" (counters,
-- palisade.metrics), "#synced_at" (ms). Every write is safe_set: when the
-- dict is full the write fails and is counted instead of evicting other decisions.
local ipm = require "palisade.ip"
local digest = require "palisade.digest"

local byte, char, sub, find, lower, match = string.byte, string.char, string.sub, string.find, string.lower, string.match
local concat = table.concat

local M = {}

local ACTIONS = { block = true, throttle = true, monitor = true }
M.SEVERITY = { monitor = 1, throttle = 2, block = 3 }

--- Dict key for a decision scope/value; returns key, cidr_tag (for cidr scope) or nil, err.
function M.key(scope, value)
  if type(value) ~= "string" or value == "" then return nil, "value missing" end
  if scope == "ip" then
    local bin = ipm.parse(value)
    if not bin then return nil, "bad ip" end
    return "i" .. bin
  elseif scope == "cidr" then
    local net, len = ipm.parse_cidr(value)
    if not net then return nil, "bad cidr" end
    return "c" .. char(len) .. net, #net .. "/" .. len
  elseif scope == "api_key" then
    -- the digest the workers publish; a raw key here could never match (and should not travel)
    if #value ~= 32 or find(value, "[^%x]") then return nil, "api_key value must be the key's 32-hex-digit digest" end
    return "k" .. lower(value), "k"
  elseif scope == "jwt_sub" then
    return "s" .. value
  elseif scope == "header" then
    local name, v = match(value, "^%s*([^:%s]+)%s*:%s*(.-)%s*$")
    if not name or v == "" then return nil, "header value must be 'name:value'" end
    return "h" .. lower(name) .. ":" .. v
  end
  return nil, "unknown scope"
end

--- Milliseconds-since-epoch of an expires_at (ms; values below 1e11 are taken as seconds), or nil.
local function expires_ms(v)
  if type(v) ~= "number" then return nil end
  if v < 1e11 then return v * 1000 end
  return v
end

local function cidr_tags_parse(s)
  local t = {}
  if s then for tag in s:gmatch("[^,]+") do t[tag] = true end end
  return t
end

local function cidr_tags_string(t)
  local out = {}
  for tag in pairs(t) do out[#out + 1] = tag end
  table.sort(out)
  return concat(out, ",")
end

-- Writes one decision; returns key (or nil), a status ("ok", "expired", "invalid", "full") and
-- the change in the number of stored decisions (-1, 0, 1).
local function put(dict, d, now_ms, tags)
  if type(d) ~= "table" then return nil, "invalid" end
  local action = d.action or "block"
  if not ACTIONS[action] then return nil, "invalid" end
  local key, tag = M.key(d.scope, d.value)
  if not key then return nil, "invalid" end
  local ttl = 0
  local exp = expires_ms(d.expires_at)
  if exp then
    ttl = (exp - now_ms) / 1000
    if ttl <= 0 then
      local existed = dict:get(key) ~= nil
      dict:delete(key)
      return key, "expired", existed and -1 or 0
    end
    if ttl < 0.001 then ttl = 0.001 end
  end
  local val = action .. "\t" .. (type(d.reason) == "string" and d.reason or "")
  local existed = dict:get(key) ~= nil
  local ok, err = dict:safe_set(key, val, ttl)
  if not ok then return key, err == "no memory" and "full" or "invalid", 0 end
  if tag then tags[tag] = true end
  return key, "ok", existed and 0 or 1
end

local function removal_key(r)
  if type(r) == "table" then return M.key(r.scope, r.value) end
  if type(r) == "string" then
    local scope, value = match(r, "^([%w_]+):(.+)$")
    if scope then return M.key(scope, value) end
  end
  return nil
end

--- The epoch part of an "epoch:counter" version (the whole string if there is no colon).
function M.epoch(version)
  if type(version) ~= "string" then return nil end
  return match(version, "^(.*):[^:]*$") or version
end

--- Applies a /v1/decisions response {version, full, upserts, removals}. Returns a stats table
--- {applied, removed, expired, invalid, full_dict, snapshot, resync, count (full snapshot: decisions
--- stored), count_delta (delta: change in the number stored)} where resync=true means the response
--- was a delta from another epoch and the caller must ask for a snapshot (nothing was applied).
function M.apply(dict, resp, now_ms)
  local st = { applied = 0, removed = 0, expired = 0, invalid = 0, full_dict = 0, count_delta = 0 }
  if type(resp) ~= "table" or type(resp.version) ~= "string" then
    st.invalid = 1
    st.error = "response has no version"
    return st
  end
  local current = dict:get("#version")
  if not resp.full and current and M.epoch(current) ~= M.epoch(resp.version) then
    st.resync = true
    return st
  end
  st.snapshot = resp.full == true
  local upserts = type(resp.upserts) == "table" and resp.upserts or {}
  local removals = type(resp.removals) == "table" and resp.removals or {}
  local tags = resp.full and {} or cidr_tags_parse(dict:get("#cidr"))
  local seen = resp.full and {} or nil

  for _, d in ipairs(upserts) do
    local key, status, delta = put(dict, d, now_ms, tags)
    st.count_delta = st.count_delta + (delta or 0)
    if status == "ok" then st.applied = st.applied + 1
    elseif status == "expired" then st.expired = st.expired + 1
    elseif status == "full" then st.full_dict = st.full_dict + 1
    else st.invalid = st.invalid + 1 end
    if seen and key and status == "ok" then seen[key] = true end
  end
  if resp.full then
    -- replace: drop everything not in the snapshot (the new entries were written first, so no
    -- client is ever unblocked in between)
    for _, k in ipairs(dict:get_keys(0)) do
      if byte(k, 1) ~= 35 and not seen[k] then dict:delete(k); st.removed = st.removed + 1 end
    end
    st.count = 0
    for _ in pairs(seen) do st.count = st.count + 1 end
  else
    for _, r in ipairs(removals) do
      local key = removal_key(r)
      if key then
        -- get_stale: a decision that already expired by TTL was not yet subtracted
        if dict:get_stale(key) ~= nil then st.count_delta = st.count_delta - 1 end
        dict:delete(key)
        st.removed = st.removed + 1
      else
        st.invalid = st.invalid + 1
      end
    end
  end
  dict:safe_set("#cidr", cidr_tags_string(tags))
  dict:safe_set("#version", resp.version)
  dict:safe_set("#synced_at", now_ms)
  return st
end

--- Per-worker cache of the parsed "#cidr" meta value: list of {bytes, len}, and whether the set
--- holds api_key decisions.
local cidr_cache_str, cidr_cache, has_api_keys = nil, {}, false
local function read_tags(dict)
  local s = dict:get("#cidr")
  if s ~= cidr_cache_str then
    local list = {}
    has_api_keys = false
    if s then
      for tag in s:gmatch("[^,]+") do
        local nb, len = match(tag, "^(%d+)/(%d+)$")
        if nb then list[#list + 1] = { tonumber(nb), tonumber(len) } elseif tag == "k" then has_api_keys = true end
      end
    end
    cidr_cache_str, cidr_cache = s, list
  end
  return cidr_cache, has_api_keys
end

-- Keeps the more severe of the current best and the decision stored at `key` (no closures: this
-- runs several times per request).
local SEVERITY = M.SEVERITY
local function try(dict, key, scope, best, best_scope, best_val)
  local v = dict:get(key)
  if v then
    local action = sub(v, 1, (find(v, "\t", 1, true) or 0) - 1)
    if not best or SEVERITY[action] > SEVERITY[best] then return action, scope, v end
  end
  return best, best_scope, best_val
end

--- Finds the most severe decision for a request's identities. `id` fields (all optional):
---   ip_bin (binary address), api_keys (list of keys as presented; hashed here, and only when the
---   set holds api_key decisions), jwt_sub, headers (list of "name:value", lowercase name)
--- Returns action, scope, reason or nil.
function M.lookup(dict, id)
  local best, scope, val
  local lens, api_keys_present = read_tags(dict)
  local ip_bin = id.ip_bin
  if ip_bin then
    best, scope, val = try(dict, "i" .. ip_bin, "ip", nil, nil, nil)
    local nb = #ip_bin
    for i = 1, #lens do
      local l = lens[i]
      if l[1] == nb then best, scope, val = try(dict, "c" .. char(l[2]) .. ipm.mask(ip_bin, l[2]), "cidr", best, scope, val) end
    end
  end
  local keys = id.api_keys
  if keys and api_keys_present then
    for i = 1, #keys do best, scope, val = try(dict, "k" .. digest.api_key(keys[i]), "api_key", best, scope, val) end
  end
  if id.jwt_sub then best, scope, val = try(dict, "s" .. id.jwt_sub, "jwt_sub", best, scope, val) end
  local hs = id.headers
  if hs then for i = 1, #hs do best, scope, val = try(dict, "h" .. hs[i], "header", best, scope, val) end end
  if not best then return nil end
  return best, scope, sub(val, #best + 2)
end

return M
