-- seal_due.lua: seals open batches whose deadline has passed (the time trigger).
-- KEYS[1] = P:deadlines
-- ARGV[1] = P, the shard's key prefix
-- ARGV[2] = now in ms, or '' to use the Redis server clock (TIME)
-- ARGV[3] = batch time in ms (to record when each batch opened)
-- ARGV[4] = the most batches to seal in this call
-- returns the number of batches sealed
local P = ARGV[1]
local now = clock(ARGV[2])
local batchTimeMs = tonumber(ARGV[3])
local due = redis.call('ZRANGE', P .. ':deadlines', '-inf', now, 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[4]))
local sealed, events = 0, 0
for _, member in ipairs(due) do
  local batchId, count = seal(P, member, 'time', now, batchTimeMs)
  if batchId then
    sealed = sealed + 1
    events = events + count
  end
end
if events > 0 then
  redis.call('DECRBY', P .. ':open-events', events)
end
return sealed
