-- gzip (RFC 1952) compression of capture batches through LuaJIT's FFI to the system zlib
-- (libz.so.1; nginx links it too). A compressor keeps one deflate stream, reset between batches,
-- so a batch costs no allocation beyond its output buffer. Level 1 (fastest): the batch is
-- compressed in the flush timer, on the worker's event loop, so speed matters more than the last
-- few percent of ratio (capture NDJSON still shrinks ~10×), and it is deflated in slices with a
-- yield in between.
--   gzip.available             true when zlib loaded
--   gzip.new()                 a compressor: c:compress(s|list, yield) → gzip bytes, or nil, err
--   gzip.compress(s|list)      the same with a module-wide compressor, without yields
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

local Z_OK, Z_STREAM_END, Z_NO_FLUSH, Z_FINISH, Z_DEFLATED = 0, 1, 0, 4, 8
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

-- Input is deflated in slices of this many bytes; between slices the caller may yield (the flush
-- timer sleeps 1 ms), so one batch never holds the worker's event loop for more than one slice
-- (~0.1 ms for capture NDJSON; BENCHMARKS.md, "Gateway plugin").
M.SLICE_BYTES = 32 * 1024

local Compressor = {}
Compressor.__index = Compressor

--- A compressor with its own deflate stream (reused, reset per call). Give each flush loop its own:
--- a compression that yields must not share its stream with another.
function M.new()
  if not z then return nil, "zlib not available" end
  local s = ffi.gc(ffi_new("palisade_z_stream"), z.deflateEnd)
  local rc = z.deflateInit2_(s, LEVEL, Z_DEFLATED, GZIP_WINDOW_BITS, MEM_LEVEL, STRATEGY, z.zlibVersion(),
    ffi_sizeof("palisade_z_stream"))
  if rc ~= Z_OK then ffi.gc(s, nil) return nil, "deflateInit2 failed (" .. rc .. ")" end
  return setmetatable({ strm = s, fresh = true }, Compressor)
end

--- gzip of `data` (a string, or a list of strings compressed as their concatenation). `yield`
--- (optional) is called between slices of SLICE_BYTES input bytes.
function Compressor:compress(data, yield)
  if type(data) == "table" then data = concat(data) end
  local s = self.strm
  if not self.fresh and z.deflateReset(s) ~= Z_OK then return nil, "deflateReset failed" end
  self.fresh = false
  local n = #data
  -- deflateBound holds for input given with Z_NO_FLUSH and finished with Z_FINISH
  local cap = tonumber(z.deflateBound(s, n)) + 32
  local out = ffi_new("unsigned char[?]", cap)
  local base = ffi_cast("const unsigned char *", data)
  s.next_out = out
  s.avail_out = cap
  local pos, slice = 0, M.SLICE_BYTES
  while true do
    local len = n - pos
    local last = len <= slice
    if not last then len = slice end
    s.next_in = base + pos
    s.avail_in = len
    local rc = z.deflate(s, last and Z_FINISH or Z_NO_FLUSH)
    pos = pos + len - s.avail_in
    if last then
      if rc ~= Z_STREAM_END then
        s.next_in, s.next_out = nil, nil
        return nil, "deflate failed (" .. rc .. ")"
      end
      break
    end
    if rc ~= Z_OK or s.avail_in ~= 0 then
      s.next_in, s.next_out = nil, nil
      return nil, "deflate failed (" .. rc .. ")"
    end
    if yield then yield() end
  end
  local produced = cap - s.avail_out
  s.next_in, s.next_out = nil, nil
  return ffi_string(out, produced)
end

local default -- for M.compress

--- gzip of `data` with a module-wide compressor (no yielding: do not call it from code that may).
function M.compress(data)
  if not z then return nil, "zlib not available" end
  if not default then
    local err
    default, err = M.new()
    if not default then return nil, err end
  end
  return default:compress(data)
end

return M
