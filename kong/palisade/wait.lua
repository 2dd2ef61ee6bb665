-- Waiting inside timers: sleeps that notice a worker exit within 0.2 s, and the retry backoff
-- shared by the flush loop (mirror) and the sync loop (aggregator).
local exiting, sleep, now, update_time = ngx.worker.exiting, ngx.sleep, ngx.now, ngx.update_time

local M = {}

--- Sleeps `s` seconds in ≤ 0.2 s slices; returns false as soon as the worker is exiting.
function M.sleep(s)
  local deadline = now() + s
  while true do
    if exiting() then return false end
    local left = deadline - now()
    if left < 0.001 then break end -- ngx.sleep(0) would warn on stock nginx builds
    sleep(left < 0.2 and left or 0.2)
    update_time()
  end
  return not exiting()
end

--- Next backoff (seconds) after a failure: `first` after a success (prev = 0), then doubling, capped
--- at `cap`; a server's Retry-After (seconds) longer than that is honoured, up to `cap` as well.
function M.backoff(prev, first, cap, retry_after)
  local b = prev == 0 and first or prev * 2
  if retry_after and retry_after > b then b = retry_after end
  return b < cap and b or cap
end

return M
