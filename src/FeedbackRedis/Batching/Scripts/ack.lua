-- ack.lua: deletes a batch the sink has written and releases its ids from the duplicate guard, only
-- while the caller still holds its lease (fencing: owner and lease token must both match), so a
-- flusher whose lease was taken over cannot delete the new owner's batch.
-- KEYS[1] = P:deadlines; KEYS[1 .. 13] = the shard's fixed keys, in KeySchema.ShardKeys order (common.lua)
-- KEYS[14] = P:sealed:<batchId>; KEYS[15] = P:meta:<batchId>
-- ARGV[1] = P, the shard's key prefix
-- ARGV[2] = batch id
-- ARGV[3] = owner
-- ARGV[4] = lease token (the fence returned by the claim)
-- ARGV[5] = the number of items the caller holds of the batch (what it wrote); the ack is refused when the
--           batch holds another number: after a Redis data loss the same id, owner and fence can name a
--           batch the caller never wrote (a quarantine or a whole batch rolled back)
-- ARGV[6 ..] = the batch's event ids, released from the duplicate guard P:guard with the batch
-- returns the number of events deleted, -1 when the caller no longer holds the lease, -2 when the batch
--         is not the one the caller wrote (its length differs)
local P = ARGV[1]
local batchId = ARGV[2]
if not holds_lease(P, batchId, ARGV[3], ARGV[4]) then
  return -1
end
local sealedKey = KEYS[OWN_KEYS]
local count = redis.call('LLEN', sealedKey)
if count ~= tonumber(ARGV[5]) then
  return -2
end
redis.call('DEL', sealedKey, KEYS[OWN_KEYS + 1])
redis.call('ZREM', INFLIGHT, batchId)
redis.call('DECRBY', PENDING, count)
call_sliced('SREM', GUARD, ARGV, 6, #ARGV)
return count
