-- gzip (RFC 1952) compression of capture batches through LuaJIT's FFI to the system zlib
-- (libz.so.1; nginx links it too). One deflate stream per worker, reset between batches, so a
-- batch costs no allocation beyond its output buffer. Level 1 (fastest): the batch is compressed
-- in the flush timer, on the worker's event loop, so speed matters more than the last few percent
-- of ratio (capture NDJSON still shrinks 5-10×).
--   gzip.available        true when zlib loaded
--   gzip.compress(s|list) gzip bytes of s (or of the concatenation of a list of strings), or nil, err
local ffi = require "ffi"

local ffi_new, ffi_string, ffi_sizeof, ffi_cast = ffi.new, ffi.string, ffi.sizeof, ffi.cast
local concat = table.concat

local M = {}

pcall(ffi.cdef, [[
typedef struct palisade_z_stream_s {
  const unsigned char *next_in;
  unsigned int avail_in;
  unsigned long total_in;
  unsigned char *next_out;
  unsigned int avail_out;
  unsigned long total_out;
  const char *msg;
  void *state;
  void *zalloc;
  void *zfree;
  void *opaque;
  int data_type;
  unsigned long adler;
  unsigned long reserved;
} palisade_z_stream;
const char *zlibVersion(void);
int deflateInit2_(palisade_z_stream *strm, int level, int method, int windowBits, int memLevel,
                  int strategy, const char *version, int stream_size);
int deflate(palisade_z_stream *strm, int flush);
int deflateReset(palisade_z_stream *strm);
int deflateEnd(palisade_z_stream *strm);
unsigned long deflateBound(palisade_z_stream *strm, unsigned long sourceLen);
]])

local Z_OK, Z_STREAM_END, Z_FINISH, Z_DEFLATED = 0, 1, 4, 8
local GZIP_WINDOW_BITS = 15 + 16 -- 32 KiB window, gzip header and trailer
local LEVEL, MEM_LEVEL, STRATEGY = 1, 8, 0

local function load()
  for _, name in ipairs({ "libz.so.1", "z" }) do
    local ok, lib = pcall(ffi.load, name)
    if ok then
      local fok = pcall(function() return lib.deflateInit2_ end)
      if fok then return lib end
    end
  end
  return nil
end

local z = load()
M.available = z ~= nil
M.lib = z -- keeps the library loaded

local strm -- per-worker stream, initialised on first use

local function stream()
  if strm then
    if z.deflateReset(strm) ~= Z_OK then return nil, "deflateReset failed" end
    return strm
  end
  local s = ffi.gc(ffi_new("palisade_z_stream"), z.deflateEnd)
  local rc = z.deflateInit2_(s, LEVEL, Z_DEFLATED, GZIP_WINDOW_BITS, MEM_LEVEL, STRATEGY, z.zlibVersion(),
    ffi_sizeof("palisade_z_stream"))
  if rc ~= Z_OK then ffi.gc(s, nil) return nil, "deflateInit2 failed (" .. rc .. ")" end
  strm = s
  return s
end

--- gzip of `data` (a string, or a list of strings compressed as their concatenation).
function M.compress(data)
  if not z then return nil, "zlib not available" end
  if type(data) == "table" then data = concat(data) end
  local s, err = stream()
  if not s then return nil, err end
  local n = #data
  local cap = tonumber(z.deflateBound(s, n)) + 32
  local out = ffi_new("unsigned char[?]", cap)
  s.next_in = ffi_cast("const unsigned char *", data)
  s.avail_in = n
  s.next_out = out
  s.avail_out = cap
  local rc = z.deflate(s, Z_FINISH) -- the bound guarantees one call finishes
  local produced = cap - s.avail_out
  s.next_in, s.next_out = nil, nil
  if rc ~= Z_STREAM_END then
    strm = nil -- start over with a fresh stream next time
    return nil, "deflate failed (" .. rc .. ")"
  end
  return ffi_string(out, produced)
end

return M
