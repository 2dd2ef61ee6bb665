-- A stubbed `ngx` for busted (outside nginx): a controllable clock, shared dicts with TTLs and a
-- capacity (safe_set fails with "no memory" when full, like a real full dict), ngx.var/ngx.req
-- backed by plain tables, base64, and a regex stand-in (Lua patterns; enough for the specs).
local M = {}

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function encode_base64(s)
  return ((s:gsub(".", function(x)
    local r, b = "", x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return B64:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#s % 3 + 1])
end

local function decode_base64(s)
  if #s % 4 ~= 0 or s:find("[^%w%+/=]") then return nil end
  s = s:gsub("=", "")
  return (s:gsub(".", function(x)
    local r, f = "", (B64:find(x, 1, true) - 1)
    for i = 6, 1, -1 do r = r .. (f % 2 ^ i - f % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end):gsub("%d%d%d?%d?%d?%d?%d?%d?", function(x)
    if #x ~= 8 then return "" end
    local c = 0
    for i = 1, 8 do c = c + (x:sub(i, i) == "1" and 2 ^ (8 - i) or 0) end
    return string.char(c)
  end))
end

local Dict = {}
Dict.__index = Dict

function M.new_dict(capacity, clock)
  return setmetatable({ data = {}, exp = {}, capacity = capacity or math.huge, clock = clock }, Dict)
end

function Dict:_live(k)
  local e = self.exp[k]
  if e and e <= self.clock.t then self.data[k], self.exp[k] = nil, nil end
  return self.data[k]
end
function Dict:count()
  local n = 0
  for k in pairs(self.data) do if self:_live(k) ~= nil then n = n + 1 end end
  return n
end
function Dict:get(k) return self:_live(k) end
function Dict:safe_set(k, v, ttl)
  if self:_live(k) == nil and self:count() >= self.capacity then return false, "no memory" end
  self.data[k] = v
  self.exp[k] = (ttl and ttl > 0) and (self.clock.t + ttl) or nil
  return true
end
Dict.set = Dict.safe_set
function Dict:safe_add(k, v, ttl)
  if self:_live(k) ~= nil then return false, "exists" end
  return self:safe_set(k, v, ttl)
end
function Dict:incr(k, n)
  local v = self:_live(k)
  if v == nil then return nil, "not found" end
  if type(v) ~= "number" then return nil, "not a number" end
  self.data[k] = v + n
  return v + n
end
function Dict:get_stale(k) return self.data[k] end
function Dict:delete(k) self.data[k], self.exp[k] = nil, nil end
function Dict:get_keys(max)
  local out = {}
  for k in pairs(self.data) do
    if self:_live(k) ~= nil then out[#out + 1] = k end
    if max and max > 0 and #out >= max then break end
  end
  return out
end

--- Installs a fresh global `ngx`; returns it. Fields tests steer: ngx.clock.t (seconds),
--- ngx.var (table), ngx.req_state = {headers={{name,value}…}, method, body, body_file, start}
function M.install()
  local clock = { t = 1763700000.0 }
  local logs = {}
  local timers = {}
  local n
  n = {
    clock = clock, logs = logs, timers = timers,
    null = setmetatable({}, { __tostring = function() return "null" end }),
    DEBUG = 8, INFO = 7, NOTICE = 6, WARN = 5, ERR = 4, CRIT = 3,
    HTTP_OK = 200,
    now = function() return clock.t end,
    update_time = function() end,
    log = function(level, ...)
      local parts = {}
      for i = 1, select("#", ...) do parts[#parts + 1] = tostring((select(i, ...))) end
      logs[#logs + 1] = { level = level, msg = table.concat(parts) }
    end,
    encode_base64 = encode_base64,
    decode_base64 = decode_base64,
    unescape_uri = function(s)
      return (s:gsub("+", " "):gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
    end,
    escape_uri = function(s) return (s:gsub("[^%w%-_.~]", function(c) return ("%%%02X"):format(c:byte()) end)) end,
    sleep = function(s) clock.t = clock.t + s end,
    shared = {},
    var = {},
    ctx = {},
    header = {},
    status = 200,
    worker = { id = function() return 0 end, pid = function() return 4242 end, exiting = function() return false end,
      count = function() return 1 end },
    timer = { at = function(delay, fn, ...) timers[#timers + 1] = { delay = delay, fn = fn, args = { ... } } return true end },
    re = {
      -- Lua patterns stand in for PCRE here: fine for the anchored literals the specs use, and
      -- raises on malformed patterns like PCRE would report a compile error.
      find = function(s, re)
        local ok, from, to = pcall(string.find, s, re)
        if not ok then return nil, nil, "bad pattern: " .. tostring(from) end
        return from, to
      end,
    },
    socket = { tcp = function() error("no sockets in unit specs") end },
  }
  n.req_state = { headers = {}, method = "GET", start = clock.t }
  n.req = {
    start_time = function() return n.req_state.start end,
    get_method = function() return n.req_state.method end,
    read_body = function() end,
    get_body_data = function() return n.req_state.body end,
    get_body_file = function() return n.req_state.body_file end,
    set_header = function(k, v) n.req_state.set_headers = n.req_state.set_headers or {}; n.req_state.set_headers[k] = v end,
    raw_header = function()
      local lines = {}
      for _, h in ipairs(n.req_state.headers) do lines[#lines + 1] = h[1] .. ": " .. h[2] .. "\r\n" end
      return table.concat(lines) .. "\r\n"
    end,
    get_headers = function() return {} end,
  }
  -- ngx.var.http_* mirror request headers (last value wins, like nginx's $http_ for most)
  setmetatable(n.var, { __index = function(_, k)
    local name = k:match("^http_(.+)$")
    if name then
      for _, h in ipairs(n.req_state.headers) do
        if h[1]:lower():gsub("-", "_") == name then return h[2] end
      end
    end
  end })
  package.loaded["ngx.semaphore"] = { new = function()
    local sema = { count = 0 }
    function sema:post(k) self.count = self.count + (k or 1) end
    function sema:wait(timeout)
      if self.count > 0 then self.count = self.count - 1 return true end
      clock.t = clock.t + timeout
      return false, "timeout"
    end
    return sema
  end }
  _G.ngx = n
  return n
end

M.encode_base64, M.decode_base64 = encode_base64, decode_base64
return M
