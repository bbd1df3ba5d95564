-- seal_due.lua: seals open batches whose deadline has passed (the time trigger).
-- KEYS[1] = P:deadlines; KEYS[1 .. 13] = the shard's fixed keys, in KeySchema.ShardKeys order (common.lua)
-- (the sealed members are found while the script runs)
-- ARGV[1] = P, the shard's key prefix
-- ARGV[2] = now in ms, or '' to use the Redis server clock (TIME)
-- ARGV[3] = batch time in ms (to record when each batch opened)
-- ARGV[4] = the most batches to seal in this call
-- returns the number of batches sealed
local P = ARGV[1]
local now = clock(ARGV[2])
local batchTimeMs = tonumber(ARGV[3])
local due = redis.call('ZRANGE', DEADLINES, '-inf', now, 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[4]), 'WITHSCORES')
local members = {}
for i = 1, #due, 2 do
  members[#members + 1] = due[i]
end
call_sliced('ZREM', DEADLINES, members, 1, #members)
local sealed, events = seal_popped(P, due, 'time', now, batchTimeMs)
if events > 0 then
  redis.call('DECRBY', OPEN_EVENTS, events)
end
return sealed
