-- Minimal JSON string escaping that always yields valid UTF-8 output: request lines and headers are
-- attacker-controlled bytes, and one invalid byte would make the mirror reject the whole line.
-- Each byte of an invalid UTF-8 sequence becomes U+FFFD. ASCII strings without specials are returned as they are.
local byte, char, find, gsub, sub, format = string.byte, string.char, string.find, string.gsub, string.sub, string.format
local concat = table.concat

local M = {}

local ESC = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
for i = 0, 31 do
  local c = char(i)
  if not ESC[c] then ESC[c] = format("\\u%04x", i) end
end
ESC["\127"] = "\\u007f"

local REPLACEMENT = "\239\191\189" -- U+FFFD

-- Replaces invalid UTF-8 sequences (overlongs, surrogates, > U+10FFFF, truncations).
local function sanitize_utf8(s)
  local out, n, i, len, start = {}, 0, 1, #s, 1
  while i <= len do
    local c = byte(s, i)
    local need, min
    if c < 0x80 then need = 0
    elseif c >= 0xC2 and c <= 0xDF then need, min = 1, 0x80
    elseif c >= 0xE0 and c <= 0xEF then need, min = 2, 0x800
    elseif c >= 0xF0 and c <= 0xF4 then need, min = 3, 0x10000
    else need = -1 end
    local ok = need >= 0
    if need > 0 then
      local cp = c % (2 ^ (6 - need))
      for k = 1, need do
        local cc = byte(s, i + k)
        if not cc or cc < 0x80 or cc > 0xBF then ok = false break end
        cp = cp * 64 + (cc - 0x80)
      end
      if ok and (cp < min or cp > 0x10FFFF or (cp >= 0xD800 and cp <= 0xDFFF)) then ok = false end
    end
    if ok then
      i = i + need + 1
    else
      n = n + 1; out[n] = sub(s, start, i - 1)
      n = n + 1; out[n] = REPLACEMENT
      i = i + 1
      start = i
    end
  end
  if start == 1 then return s end
  n = n + 1; out[n] = sub(s, start)
  return concat(out, "", 1, n)
end

--- The JSON-escaped contents (no quotes) of any byte string.
local function escape(s)
  -- a byte loop (JIT-compiled) decides; patterns (not compiled) only run when there is work
  local clean = true
  for i = 1, #s do
    local b = byte(s, i)
    if b < 32 or b == 34 or b == 92 or b >= 127 then clean = false break end
  end
  if not clean then
    s = gsub(s, '[%z\1-\31"\\\127]', ESC)
    if find(s, "[\128-\255]") then s = sanitize_utf8(s) end
  end
  return s
end
M.escape = escape

--- JSON string literal (with quotes) for any byte string.
function M.string(s)
  return '"' .. escape(s) .. '"'
end

M.sanitize_utf8 = sanitize_utf8
return M
