-- claim.lua: returns expired leases to ready (or parks them as dead), then claims the oldest ready
-- batches under a lease for one owner. A claimed batch is invisible to other claimers until it is
-- acked, released, or its lease expires.
-- KEYS[1] = P:deadlines; KEYS[1 .. 13] = the shard's fixed keys, in KeySchema.ShardKeys order (common.lua)
-- (the claimed batches' keys are found while the script runs)
-- ARGV[1] = P, the shard's key prefix
-- ARGV[2] = now in ms, or '' to use the Redis server clock (TIME)
-- ARGV[3] = owner (the claiming flusher's id)
-- ARGV[4] = lease duration in ms
-- ARGV[5] = the most batches to claim
-- ARGV[6] = the most events to claim in total (the first batch is always taken whole)
-- ARGV[7] = max attempts: an expired lease on the last attempt parks the batch as dead
-- returns {reclaimed, batch...} where each batch is
--         {batchId, attempt, fence, member, trigger, openedAt, sealedAt, leaseUntil, {items...}};
--         the lease is (owner, fence)
local P = ARGV[1]
local now = clock(ARGV[2])
local owner = ARGV[3]
local leaseUntil = now + tonumber(ARGV[4])
local maxBatches = tonumber(ARGV[5])
local maxEvents = tonumber(ARGV[6])
local reclaimed = reclaim_expired(P, now, tonumber(ARGV[7]), 1000)

local result = {reclaimed}
local events = 0
local candidates = redis.call('ZRANGE', READY, '-inf', now, 'BYSCORE', 'LIMIT', 0, maxBatches)
for _, batchId in ipairs(candidates) do
  local sealedKey = P .. ':sealed:' .. batchId
  local count = redis.call('LLEN', sealedKey)
  if events > 0 and events + count > maxEvents then
    break
  end
  events = events + count
  local meta = P .. ':meta:' .. batchId
  local attempt = redis.call('HINCRBY', meta, 'attempts', 1)
  local fence = redis.call('HINCRBY', meta, 'fence', 1)
  redis.call('HSET', meta, 'owner', owner, 'leaseUntil', leaseUntil)
  redis.call('ZREM', READY, batchId)
  redis.call('ZADD', INFLIGHT, leaseUntil, batchId)
  local fields = redis.call('HMGET', meta, 'member', 'trigger', 'openedAt', 'sealedAt')
  result[#result + 1] = {batchId, attempt, fence, fields[1], fields[2], fields[3], fields[4], leaseUntil,
    redis.call('LRANGE', sealedKey, 0, -1)}
end
return result
