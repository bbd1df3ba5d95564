-- drop.lua: deletes a dead batch for good (an operator's decision, after saving its items elsewhere)
-- and releases its ids from the duplicate guard. Only a dead batch, and only the items the caller saw.
-- KEYS[1] = P:deadlines; KEYS[1 .. 13] = the shard's fixed keys, in KeySchema.ShardKeys order (common.lua)
-- KEYS[14] = P:sealed:<batchId>; KEYS[15] = P:meta:<batchId>
-- ARGV[1] = P, the shard's key prefix
-- ARGV[2] = batch id
-- ARGV[3] = the number of items the caller read (and saved); the drop is refused if the batch differs
-- ARGV[4 ..] = the batch's event ids, released from P:guard
-- returns the number of items deleted, -1 when no dead batch has that id, -2 when its length is not ARGV[3]
local P = ARGV[1]
local batchId = ARGV[2]
if not redis.call('ZSCORE', DEAD, batchId) then
  return -1
end
local sealedKey = KEYS[OWN_KEYS]
local count = redis.call('LLEN', sealedKey)
if count ~= tonumber(ARGV[3]) then
  return -2
end
redis.call('DEL', sealedKey, KEYS[OWN_KEYS + 1])
redis.call('ZREM', DEAD, batchId)
call_sliced('SREM', GUARD, ARGV, 4, #ARGV)
return count
