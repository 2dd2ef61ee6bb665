-- "Log once per interval": a per-worker gate keyed by message kind, so a dead mirror or aggregator
-- produces one line per interval (with a count of what was suppressed), not one per request.
local M = {}
local last, suppressed = {}, {}

--- Logs the string `msg` at `level` unless `kind` was logged less than `interval_s` ago (then counts it).
function M.log(kind, interval_s, level, msg)
  local now = ngx.now()
  local t = last[kind]
  if t and now - t < interval_s then
    suppressed[kind] = (suppressed[kind] or 0) + 1
    return false
  end
  last[kind] = now
  local n = suppressed[kind]
  suppressed[kind] = nil
  if n and n > 0 then
    ngx.log(level, "palisade: ", msg, " (", n, " similar suppressed)")
  else
    ngx.log(level, "palisade: ", msg)
  end
  return true
end

--- Forgets a kind (e.g. when the condition cleared), so the next occurrence logs at once.
function M.reset(kind) last[kind], suppressed[kind] = nil, nil end

return M
