-- renew.lua: extends a lease the caller still holds (a slow write renews before the lease runs out).
-- KEYS[1] = P:deadlines; KEYS[1 .. 13] = the shard's fixed keys, in KeySchema.ShardKeys order (common.lua)
-- KEYS[14] = P:sealed:<batchId>; KEYS[15] = P:meta:<batchId>
-- ARGV[1] = P, the shard's key prefix
-- ARGV[2] = now in ms, or '' to use the Redis server clock (TIME)
-- ARGV[3] = batch id
-- ARGV[4] = owner
-- ARGV[5] = lease token (the fence returned by the claim)
-- ARGV[6] = lease duration in ms, counted from now
-- returns the new lease expiry in ms, or -1 when the caller no longer holds the lease
local P = ARGV[1]
local batchId = ARGV[3]
if not holds_lease(P, batchId, ARGV[4], ARGV[5]) then
  return -1
end
local leaseUntil = clock(ARGV[2]) + tonumber(ARGV[6])
redis.call('ZADD', INFLIGHT, 'XX', leaseUntil, batchId)
redis.call('HSET', KEYS[OWN_KEYS + 1], 'leaseUntil', leaseUntil)
return leaseUntil
