-- replay.lua: moves a dead batch back to ready with its attempts reset (an operator's replay).
-- KEYS[1] = P:deadlines; KEYS[1 .. 13] = the shard's fixed keys, in KeySchema.ShardKeys order (common.lua)
-- KEYS[14] = P:sealed:<batchId>; KEYS[15] = P:meta:<batchId>
-- ARGV[1] = P, the shard's key prefix
-- ARGV[2] = now in ms, or '' to use the Redis server clock (TIME)
-- ARGV[3] = batch id
-- returns 1 when replayed, 0 when no dead batch has that id
local P = ARGV[1]
local now = clock(ARGV[2])
local batchId = ARGV[3]
if not redis.call('ZSCORE', DEAD, batchId) then
  return 0
end
local meta = KEYS[OWN_KEYS + 1]
redis.call('ZREM', DEAD, batchId)
redis.call('HSET', meta, 'attempts', 0, 'owner', '', 'leaseUntil', 0, 'replayedAt', now)
redis.call('HDEL', meta, 'deadAt')
redis.call('HINCRBY', meta, 'replays', 1)
redis.call('ZADD', READY, now, batchId)
redis.call('INCRBY', PENDING, redis.call('LLEN', KEYS[OWN_KEYS]))
return 1
