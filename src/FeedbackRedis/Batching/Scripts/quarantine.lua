-- quarantine.lua: the lease holder moves the items its sink cannot store out of a claimed batch into a
-- new dead batch of the same member (trigger 'quarantine', the reason per item in lastError,
-- quarantinedFrom naming the batch), so that the rest of the batch can be written and acked. The dead
-- batch is seen, replayed and dropped like any other (feedbackctl dead ...). Fenced like ack.
-- KEYS[1] = P:deadlines; KEYS[1 .. 13] = the shard's fixed keys, in KeySchema.ShardKeys order (common.lua)
-- KEYS[14] = P:sealed:<batchId>; KEYS[15] = P:meta:<batchId> (the new dead batch's keys come
--           from P:seq while the script runs)
-- ARGV[1] = P, the shard's key prefix
-- ARGV[2] = now in ms, or '' to use the Redis server clock (TIME)
-- ARGV[3] = batch id
-- ARGV[4] = owner
-- ARGV[5] = lease token (the fence returned by the claim)
-- ARGV[6] = reason (the new dead batch's lastError)
-- ARGV[7 ..] = the positions (0-based) of the items to move
-- returns the new dead batch's id; '' when no position named an item; -1 when the caller no longer
-- holds the lease
local P = ARGV[1]
local now = clock(ARGV[2])
local batchId = ARGV[3]
if not holds_lease(P, batchId, ARGV[4], ARGV[5]) then
  return -1
end
local sealedKey = KEYS[OWN_KEYS]
local meta = KEYS[OWN_KEYS + 1]
local items = redis.call('LRANGE', sealedKey, 0, -1)
local move = {}
for i = 7, #ARGV do
  move[tonumber(ARGV[i]) + 1] = true
end
local keep, bad = {}, {}
for i, item in ipairs(items) do
  if move[i] then
    bad[#bad + 1] = item
  else
    keep[#keep + 1] = item
  end
end
if #bad == 0 then
  return ''
end
local fields = redis.call('HMGET', meta, 'member', 'openedAt')
local deadId = fields[1] .. ':' .. redis.call('INCR', SEQ)
local deadKey = P .. ':sealed:' .. deadId
call_sliced('RPUSH', deadKey, bad, 1, #bad)
redis.call('HSET', P .. ':meta:' .. deadId,
  'member', fields[1], 'trigger', 'quarantine', 'count', #bad,
  'openedAt', fields[2], 'sealedAt', now, 'attempts', 0, 'quarantinedFrom', batchId)
park_dead(P, deadId, ARGV[6], now)
redis.call('DEL', sealedKey)
if #keep > 0 then
  call_sliced('RPUSH', sealedKey, keep, 1, #keep)
end
redis.call('HSET', meta, 'count', #keep)
return deadId
