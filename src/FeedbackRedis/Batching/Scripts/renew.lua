-- renew.lua: extends a lease the caller still holds (a slow write renews before the lease runs out).
-- KEYS[1] = P:inflight
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
redis.call('ZADD', P .. ':inflight', 'XX', leaseUntil, batchId)
redis.call('HSET', P .. ':meta:' .. batchId, 'leaseUntil', leaseUntil)
return leaseUntil
