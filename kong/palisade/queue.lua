-- Bounded per-worker FIFO of already-encoded records (strings). Pushing into a full queue drops
-- the new record and counts it; nothing blocks. A ring over a Lua table: O(1) push and take.
local M = {}
M.__index = M

--- new(max_records, max_bytes): max_bytes bounds the memory held (sum of record sizes).
function M.new(max_records, max_bytes)
  return setmetatable({
    items = {}, head = 1, tail = 0,
    bytes = 0, max_records = max_records, max_bytes = max_bytes or math.huge,
    dropped = 0,   -- records refused because the queue was full (monotonic)
    enqueued = 0,  -- records accepted (monotonic)
  }, M)
end

function M:count() return self.tail - self.head + 1 end

--- Appends a record; returns true, or false when the queue is full (the record is dropped).
function M:push(s)
  local n = #s
  if self.tail - self.head + 1 >= self.max_records or self.bytes + n > self.max_bytes then
    self.dropped = self.dropped + 1
    return false
  end
  local t = self.tail + 1
  self.tail = t
  self.items[t] = s
  self.bytes = self.bytes + n
  self.enqueued = self.enqueued + 1
  return true
end

--- Removes and returns up to max_records records whose total size stays within max_bytes
--- (at least one record is returned if any is queued, whatever its size).
function M:take(max_records, max_bytes)
  local out, size = {}, 0
  local items, h = self.items, self.head
  while h <= self.tail and #out < max_records do
    local s = items[h]
    if #out > 0 and size + #s > max_bytes then break end
    out[#out + 1] = s
    size = size + #s
    items[h] = nil
    h = h + 1
  end
  self.head = h
  self.bytes = self.bytes - size
  if h > self.tail then self.head, self.tail = 1, 0 end -- empty: restart indices
  return out, size
end

--- Puts a batch back at the front (after a failed send), dropping what no longer fits.
function M:requeue(batch)
  for i = #batch, 1, -1 do
    local s = batch[i]
    if self.tail - self.head + 1 >= self.max_records or self.bytes + #s > self.max_bytes then
      self.dropped = self.dropped + i
      return
    end
    self.head = self.head - 1
    self.items[self.head] = s
    self.bytes = self.bytes + #s
  end
end

return M
