-- The API-key digest shared with the Swift side (docs/RECORDS.md, "Identities";
-- IdentityHash.apiKey): lower-case hex of the first 16 bytes of SHA-256 over the key's bytes
-- (32 hex digits). `api_key` decisions carry this digest, never the key.
--
-- SHA-256 comes from OpenSSL's libcrypto through LuaJIT's FFI (the one-shot `SHA256()`): nginx
-- and Kong link libcrypto, so its symbols are already in the process; outside nginx (busted) the
-- library is loaded by name. (Debian 12 has no lua-resty-string package; this is the same call
-- resty.sha256 wraps, minus its streaming interface.)
local ffi = require "ffi"

local ffi_new, ffi_string = ffi.new, ffi.string
local format, byte = string.format, string.byte

local M = {}

pcall(ffi.cdef, "unsigned char *SHA256(const unsigned char *d, size_t n, unsigned char *md);")

local function find_sha256()
  local ok, fn = pcall(function() return ffi.C.SHA256 end)
  if ok and fn then return fn end
  for _, name in ipairs({ "crypto", "libcrypto.so.3", "libcrypto.so.1.1" }) do
    local lok, lib = pcall(ffi.load, name)
    if lok then
      local fok, f = pcall(function() return lib.SHA256 end)
      if fok and f then M.lib = lib return f end -- keep the library loaded
    end
  end
  return nil
end

local sha256_fn = find_sha256()
M.available = sha256_fn ~= nil
local buf = ffi_new("unsigned char[32]")

--- SHA-256 of `s` (32 raw bytes); raises when libcrypto is not available.
function M.sha256(s)
  if not sha256_fn then error("palisade.digest: libcrypto (SHA256) is not available") end
  sha256_fn(s, #s, buf)
  return ffi_string(buf, 32)
end

local HEX16 = string.rep("%02x", 16)

local function compute(key)
  return format(HEX16, byte(M.sha256(key), 1, 16))
end

-- Per-worker memo key → digest: a client sends the same key on every request. Bounded: emptied
-- when it reaches MEMO_MAX entries (keys come from request headers, ≤ nginx's header size).
local MEMO_MAX = 1024
local memo, memo_n = {}, 0

--- The api_key decision value for a key as presented (32 lower-case hex digits).
function M.api_key(key)
  local h = memo[key]
  if not h then
    h = compute(key)
    if memo_n >= MEMO_MAX then memo, memo_n = {}, 0 end
    memo[key] = h
    memo_n = memo_n + 1
  end
  return h
end

return M
