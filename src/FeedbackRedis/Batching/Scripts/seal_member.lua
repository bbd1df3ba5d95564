-- seal_member.lua: seals one member's open batch now (an operator's manual flush).
-- KEYS[1] = P:deadlines; KEYS[1 .. 13] = the shard's fixed keys, in KeySchema.ShardKeys order (common.lua)
-- KEYS[14] = P:batch:<member>
-- ARGV[1] = P, the shard's key prefix
-- ARGV[2] = now in ms, or '' to use the Redis server clock (TIME)
-- ARGV[3] = batch time in ms (to record when the batch opened)
-- ARGV[4] = member (an agent id, or a global lane such as '#global-3')
-- returns the new batch id, or false (nil) when the member has no open batch
local batchId, count = seal(ARGV[1], ARGV[4], 'manual', clock(ARGV[2]), tonumber(ARGV[3]))
if batchId then
  redis.call('DECRBY', OPEN_EVENTS, count)
end
return batchId
