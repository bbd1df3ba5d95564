-- append.lua: appends events to open batches, many members per call; checks each batch's length in
-- the same script and seals it the moment it reaches the batch size.
-- KEYS[1] = P:deadlines  (routes the call to the shard; every key used is under the prefix P)
-- ARGV[1] = P, the shard's key prefix
-- ARGV[2] = now in ms, or '' to use the Redis server clock (TIME)
-- ARGV[3] = batch size (items per batch)
-- ARGV[4] = batch time in ms (deadline = first item's arrival + batch time)
-- ARGV[5] = maximum open batches in this shard; beyond it the oldest are sealed ('overflow')
-- ARGV[6] = global trigger: when the shard's open events reach it, every open batch is sealed
--           ('global'); 0 turns it off
-- ARGV[7] = number of groups G; then G groups of: member, n, and n pairs of (eventId, item JSON)
-- returns {added, duplicates, sealed}: events added, events skipped because their id was already in
--         the member's open batch (or earlier in this call), batches sealed by this call
local P = ARGV[1]
local now = clock(ARGV[2])
local batchSize = tonumber(ARGV[3])
local batchTimeMs = tonumber(ARGV[4])
local maxOpen = tonumber(ARGV[5])
local globalTrigger = tonumber(ARGV[6])
local groups = tonumber(ARGV[7])
local CHUNK = 1000

local added, duplicates, sealed = 0, 0, 0

-- Pushes items[from..to] (and their ids) onto the member's open list.
local function push(openKey, idsKey, ids, items, from, to)
  local s = from
  while s <= to do
    local e = math.min(to, s + CHUNK - 1)
    redis.call('RPUSH', openKey, unpack(items, s, e))
    local pairs_ = {}
    for i = s, e do
      pairs_[#pairs_ + 1] = ids[i]
      pairs_[#pairs_ + 1] = '1'
    end
    redis.call('HSET', idsKey, unpack(pairs_))
    s = e + 1
  end
end

local pos = 8
for _ = 1, groups do
  local member = ARGV[pos]
  local n = tonumber(ARGV[pos + 1])
  pos = pos + 2
  local openKey = P .. ':batch:' .. member
  local idsKey = P .. ':open-ids:' .. member

  local incoming = {}
  for i = 1, n do
    incoming[i] = ARGV[pos + 2 * (i - 1)]
  end
  local present = redis.call('HMGET', idsKey, unpack(incoming))
  local length = redis.call('LLEN', openKey)

  local seen = {}
  local ids, items = {}, {}
  local pushedFrom = 1
  for i = 1, n do
    local id = incoming[i]
    if seen[id] or present[i] then
      duplicates = duplicates + 1
    else
      seen[id] = true
      ids[#ids + 1] = id
      items[#items + 1] = ARGV[pos + 2 * (i - 1) + 1]
      if #items - pushedFrom + 1 + length >= batchSize then
        if length == 0 then
          redis.call('ZADD', P .. ':deadlines', now + batchTimeMs, member)
        end
        push(openKey, idsKey, ids, items, pushedFrom, #items)
        redis.call('INCRBY', P .. ':open-events', #items - pushedFrom + 1)
        seal(P, member, 'size', now, batchTimeMs)
        sealed = sealed + 1
        pushedFrom = #items + 1
        length = 0
      end
    end
  end
  if pushedFrom <= #items then
    if length == 0 then
      redis.call('ZADD', P .. ':deadlines', now + batchTimeMs, member)
    end
    push(openKey, idsKey, ids, items, pushedFrom, #items)
    redis.call('INCRBY', P .. ':open-events', #items - pushedFrom + 1)
  end
  added = added + #items
  pos = pos + 2 * n
end

if added > 0 then
  redis.call('INCRBY', P .. ':pending', added)
end

if globalTrigger > 0 and (tonumber(redis.call('GET', P .. ':open-events')) or 0) >= globalTrigger then
  for _, member in ipairs(redis.call('ZRANGE', P .. ':deadlines', 0, -1)) do
    if seal(P, member, 'global', now, batchTimeMs) then
      sealed = sealed + 1
    end
  end
end

local open = redis.call('ZCARD', P .. ':deadlines')
if open > maxOpen then
  for _, member in ipairs(redis.call('ZRANGE', P .. ':deadlines', 0, open - maxOpen - 1)) do
    if seal(P, member, 'overflow', now, batchTimeMs) then
      sealed = sealed + 1
    end
  end
end

return {added, duplicates, sealed}
