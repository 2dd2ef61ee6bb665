-- IP addresses as fixed-width binary strings (4 bytes for IPv4, 16 for IPv6), and CIDR masking.
-- IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are folded to IPv4 so one decision covers both
-- spellings. Pure Lua, no ngx.* use: unit-testable and cheap on the access path.
local byte, char, sub, find, match, tonumber = string.byte, string.char, string.sub, string.find, string.match, tonumber
local concat = table.concat
local band = require("bit").band

local M = {}

-- Dotted quad → 4 bytes. A byte loop rather than a pattern: it runs for every request and
-- LuaJIT compiles it. Exactly four 1–3 digit parts, each ≤ 255.
local function parse4(s)
  local parts, n, v, digits = {}, 0, 0, 0
  for i = 1, #s do
    local c = byte(s, i)
    if c >= 48 and c <= 57 then
      v = v * 10 + c - 48
      digits = digits + 1
      if digits > 3 or v > 255 then return nil end
    elseif c == 46 and digits > 0 and n < 3 then
      n = n + 1
      parts[n] = v
      v, digits = 0, 0
    else
      return nil
    end
  end
  if n ~= 3 or digits == 0 then return nil end
  return char(parts[1], parts[2], parts[3], v)
end

local function group_bytes(g)
  local n = tonumber(g, 16)
  if not n or #g > 4 then return nil end
  return char(math.floor(n / 256), n % 256)
end

-- Parses one side of a "::" split into a list of 2-byte strings; an embedded IPv4 tail counts as two.
local function parse6_groups(s, allow_v4_tail)
  local out = {}
  if s == "" then return out end
  local parts = {}
  for p in (s .. ":"):gmatch("([^:]*):") do parts[#parts + 1] = p end
  for i, p in ipairs(parts) do
    if i == #parts and allow_v4_tail and find(p, ".", 1, true) then
      local v4 = parse4(p)
      if not v4 then return nil end
      out[#out + 1] = sub(v4, 1, 2)
      out[#out + 1] = sub(v4, 3, 4)
    else
      if p == "" then return nil end
      local g = group_bytes(p)
      if not g then return nil end
      out[#out + 1] = g
    end
  end
  return out
end

local V4_MAPPED = string.rep("\0", 10) .. "\255\255"

local function parse6(s)
  s = s:gsub("%%.*$", "") -- zone id
  local dbl = find(s, "::", 1, true)
  local groups
  if dbl then
    if find(s, "::", dbl + 1, true) then return nil end
    local left = parse6_groups(sub(s, 1, dbl - 1), false)
    local right = parse6_groups(sub(s, dbl + 2), true)
    if not left or not right then return nil end
    local missing = 8 - #left - #right
    if missing < 1 then return nil end
    groups = left
    for _ = 1, missing do groups[#groups + 1] = "\0\0" end
    for _, g in ipairs(right) do groups[#groups + 1] = g end
  else
    groups = parse6_groups(s, true)
    if not groups or #groups ~= 8 then return nil end
  end
  local bin = concat(groups)
  if sub(bin, 1, 12) == V4_MAPPED then return sub(bin, 13, 16) end
  return bin
end

--- Parses an IPv4 or IPv6 address; returns its binary form (4 or 16 bytes) or nil.
function M.parse(s)
  if type(s) ~= "string" or s == "" then return nil end
  if find(s, ":", 1, true) then
    if byte(s, 1) == 91 then s = match(s, "^%[(.-)%]$") or s end -- [v6]
    return parse6(s)
  end
  return parse4(s)
end

--- Keeps the first `bits` bits of a binary address, zeroing the rest.
function M.mask(bin, bits)
  local n = #bin
  local full = math.floor(bits / 8)
  if full >= n then return bin end
  local rem = bits % 8
  local out = sub(bin, 1, full)
  if rem > 0 then
    local b = byte(bin, full + 1)
    local keep = 256 - 2 ^ (8 - rem)
    out = out .. char(band(b, keep))
    full = full + 1
  end
  return out .. string.rep("\0", n - full)
end

--- Parses "addr/len" (or a bare address = host route); returns binary network (masked) and length.
function M.parse_cidr(s)
  if type(s) ~= "string" then return nil end
  local addr, len = match(s, "^(.-)/(%d+)$")
  if not addr then addr = s end
  local bin = M.parse(addr)
  if not bin then return nil end
  local max = #bin * 8
  if len then
    len = tonumber(len)
    -- an IPv4-mapped IPv6 prefix (::ffff:a.b.c.d/112) folds to its IPv4 length
    if #bin == 4 and find(addr, ":", 1, true) then len = len - 96 end
    if len < 0 or len > max then return nil end
  else
    len = max
  end
  return M.mask(bin, len), len
end

--- Text form of a binary address (for logs and tests); IPv6 without zero compression.
function M.tostring(bin)
  if #bin == 4 then return ("%d.%d.%d.%d"):format(byte(bin, 1, 4)) end
  local g = {}
  for i = 1, 16, 2 do g[#g + 1] = ("%x"):format(byte(bin, i) * 256 + byte(bin, i + 1)) end
  return concat(g, ":")
end

return M
