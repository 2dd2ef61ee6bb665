-- A small HTTP/1.1 client on ngx.socket.tcp (cosockets: timers, access, content phases — never the
-- log phase). Content-Length and chunked bodies, keep-alive pooling, optional TLS, and a status-line
-- wait that can be abandoned (long-poll + worker exit). No redirects, no 1xx handling beyond skip.
local tcp = ngx.socket.tcp
local now, update_time = ngx.now, ngx.update_time
local lower, match, find, sub, tonumber, concat = string.lower, string.match, string.find, string.sub, tonumber, table.concat

local M = {}

--- Parses "http[s]://host[:port][/prefix]" → {scheme, host, port, prefix, authority} or nil, err.
function M.parse_url(url)
  if type(url) ~= "string" then return nil, "url must be a string" end
  local scheme, rest = match(url, "^(https?)://(.+)$")
  if not scheme then return nil, "url must start with http:// or https://" end
  local authority, prefix = match(rest, "^([^/]+)(.*)$")
  if not authority then return nil, "url has no host" end
  prefix = prefix:gsub("/+$", "")
  local host, port
  if sub(authority, 1, 1) == "[" then
    host, port = match(authority, "^%[([^%]]+)%]:?(%d*)$")
  else
    host, port = match(authority, "^([^:]+):?(%d*)$")
  end
  if not host or host == "" then return nil, "url has no host" end
  port = tonumber(port) or (scheme == "https" and 443 or 80)
  if port < 1 or port > 65535 then return nil, "url port out of range" end
  return { scheme = scheme, host = host, port = port, prefix = prefix, authority = authority }
end

local function read_status(sock, opts)
  -- Reads the status line. When opts.abort is set, the read is done in short slices so that the
  -- caller can give up (worker exiting) without waiting for the whole long-poll.
  if not opts.abort then return sock:receive("*l") end
  local deadline = now() + (opts.read_timeout_ms / 1000)
  local acc = ""
  while true do
    local line, err, partial = sock:receive("*l")
    if line then return acc .. line end
    if err ~= "timeout" then return nil, err end
    acc = acc .. (partial or "")
    update_time()
    if opts.abort() then return nil, "aborted" end
    if now() >= deadline then return nil, "timeout" end
  end
end

local MAX_BODY = 64 * 1024 * 1024 -- responses are small JSON; refuse anything absurd

local function read_body(sock, headers)
  local te = headers["transfer-encoding"]
  if te and find(lower(te), "chunked", 1, true) then
    local parts, total = {}, 0
    while true do
      local line, err = sock:receive("*l")
      if not line then return nil, err end
      local size = tonumber(match(line, "^%s*(%x+)"), 16)
      if not size then return nil, "bad chunk size" end
      total = total + size
      if total > MAX_BODY then return nil, "response body too large" end
      if size == 0 then
        repeat -- trailers
          line, err = sock:receive("*l")
          if not line then return nil, err end
        until line == ""
        return concat(parts)
      end
      local data, err2 = sock:receive(size)
      if not data then return nil, err2 end
      parts[#parts + 1] = data
      local _, err3 = sock:receive(2)
      if err3 then return nil, err3 end
    end
  end
  local len = tonumber(headers["content-length"])
  if len then
    if len == 0 then return "" end
    if len > MAX_BODY then return nil, "response body too large" end
    return sock:receive(len)
  end
  local data, err = sock:receive("*a") -- no length: until close (bounded by the read timeout)
  if data and #data > MAX_BODY then return nil, "response body too large" end
  return data, err, true
end

--- request(u, opts) with u from parse_url and opts:
---   method, path (appended to u.prefix), headers ({name = value}), body (string or table of
---   strings, sent without copying), connect_timeout_ms, send_timeout_ms, read_timeout_ms,
---   abort (function → true to give up while waiting for the status line; enables sliced reads),
---   slice_ms (default 250), ssl_verify (default true), keepalive_ms (default 60000), pool_size (16)
--- Returns res {status, headers (lowercase names), body} or nil, err. Never raises.
function M.request(u, opts)
  local sock = tcp()
  local read_ms = opts.read_timeout_ms or 5000
  sock:settimeouts(opts.connect_timeout_ms or 1000, opts.send_timeout_ms or 5000,
    opts.abort and (opts.slice_ms or 250) or read_ms)
  local ok, err = sock:connect(u.host, u.port)
  if not ok then return nil, "connect: " .. tostring(err) end
  if u.scheme == "https" and sock:getreusedtimes() == 0 then
    -- reused_session = false: no session object wanted (pooled connections already skip the
    -- handshake); with nil, resty.core 0.1.25 can trip an assertion fetching the session.
    -- (Measured with lua-nginx-module 0.10.23: a handshake OpenSSL aborted for a bad certificate
    -- is sometimes reported as success; the connection is closed then, so the first send fails
    -- and nothing is ever exchanged with the unverified peer — kong/spec/integration checks it.)
    ok, err = sock:sslhandshake(false, u.host, opts.ssl_verify ~= false)
    if not ok then sock:close() return nil, "tls: " .. tostring(err) end
  end

  local body = opts.body
  local blen = 0
  if type(body) == "table" then
    for i = 1, #body do blen = blen + #body[i] end
  elseif body then
    blen = #body
  end
  local req = { (opts.method or "GET"), " ", u.prefix, opts.path or "/", " HTTP/1.1\r\nHost: ", u.authority,
    "\r\nUser-Agent: palisade-gateway\r\n" }
  if body then req[#req + 1] = "Content-Length: " .. blen .. "\r\n" end
  for k, v in pairs(opts.headers or {}) do req[#req + 1] = k .. ": " .. v .. "\r\n" end
  req[#req + 1] = "\r\n"
  ok, err = sock:send(req)
  if ok and body then ok, err = sock:send(body) end
  if not ok then sock:close() return nil, "send: " .. tostring(err) end

  local status_line
  local started = now()
  status_line, err = read_status(sock, { abort = opts.abort, read_timeout_ms = read_ms })
  if opts.abort then
    -- back to one timeout for headers and body: what is left of the wait, at least 5 s
    update_time()
    local left_ms = read_ms - (now() - started) * 1000
    sock:settimeouts(opts.connect_timeout_ms or 1000, opts.send_timeout_ms or 5000, left_ms > 5000 and left_ms or 5000)
  end
  if not status_line then sock:close() return nil, "status: " .. tostring(err) end
  local status = tonumber(match(status_line, "^HTTP/1%.%d (%d%d%d)"))
  if not status then sock:close() return nil, "bad status line" end

  local headers = {}
  while true do
    local line, herr = sock:receive("*l")
    if not line then sock:close() return nil, "headers: " .. tostring(herr) end
    if line == "" then break end
    local name, value = match(line, "^([^:]+):%s*(.-)%s*$")
    if name then headers[lower(name)] = value end
  end

  local rbody, berr, until_close = read_body(sock, headers)
  if not rbody then sock:close() return nil, "body: " .. tostring(berr) end
  if until_close or (headers["connection"] and lower(headers["connection"]) == "close") then
    sock:close()
  else
    sock:setkeepalive(opts.keepalive_ms or 60000, opts.pool_size or 16)
  end
  return { status = status, headers = headers, body = rbody }
end

return M
