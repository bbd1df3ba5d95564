-- release.lua: the lease holder gives a batch back without writing it.
-- KEYS[1] = P:deadlines; KEYS[1 .. 13] = the shard's fixed keys, in KeySchema.ShardKeys order (common.lua)
-- KEYS[14] = P:sealed:<batchId>; KEYS[15] = P:meta:<batchId>
-- ARGV[1] = P, the shard's key prefix
-- ARGV[2] = now in ms, or '' to use the Redis server clock (TIME)
-- ARGV[3] = batch id
-- ARGV[4] = owner
-- ARGV[5] = lease token (the fence returned by the claim)
-- ARGV[6] = mode: 'retry' (failed; ready again after the delay, or dead when attempts are used up),
--           'dead' (failed permanently: parked now), 'return' (not tried, e.g. shutdown: the attempt
--           is given back and the batch is ready at once)
-- ARGV[7] = reason (kept as lastError)
-- ARGV[8] = retry delay in ms (mode 'retry')
-- ARGV[9] = max attempts
-- returns 'ready', 'dead', or 'stale' when the caller no longer holds the lease
local P = ARGV[1]
local now = clock(ARGV[2])
local batchId = ARGV[3]
local mode = ARGV[6]
if not holds_lease(P, batchId, ARGV[4], ARGV[5]) then
  return 'stale'
end
local meta = KEYS[OWN_KEYS + 1]
local attempts = tonumber(redis.call('HGET', meta, 'attempts'))
if mode == 'dead' or (mode == 'retry' and attempts >= tonumber(ARGV[9])) then
  park_dead(P, batchId, ARGV[7], now)
  return 'dead'
end
local readyAt = now
if mode == 'return' then
  redis.call('HINCRBY', meta, 'attempts', -1)
else
  readyAt = now + tonumber(ARGV[8])
end
redis.call('HSET', meta, 'lastError', ARGV[7], 'owner', '', 'leaseUntil', 0)
redis.call('ZREM', INFLIGHT, batchId)
redis.call('ZADD', READY, readyAt, batchId)
return 'ready'
