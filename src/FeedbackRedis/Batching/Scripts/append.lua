-- append.lua: appends events to open batches, many members per call; checks each batch's length in
-- the same script and seals it the moment it reaches the batch size.
-- KEYS[1] = P:deadlines  (routes the call to the shard; every key used is under the prefix P)
-- ARGV[1] = P, the shard's key prefix
-- ARGV[2] = now in ms, or '' to use the Redis server clock (TIME)
-- ARGV[3] = batch size (items per batch)
-- ARGV[4] = batch time in ms (deadline = first item's arrival + batch time)
-- ARGV[5] = maximum open batches in this shard; beyond it the oldest are sealed ('overflow')
-- ARGV[6] = global trigger (hybrid mode): when the shard's open events reach it, the oldest open
--           batches are sealed ('global') until at most half of it remain open, at most 1,000 batches
--           per call; 0 turns it off
-- ARGV[7] = number of groups G; then G groups, each: member, n, n pairs (eventId, ''), n items (JSON).
--           Event ids are distinct within a call (the client drops repeats). The '' after each id is
--           the value stored in the open-ids hash, and never a field (ids are not empty), so the pairs
--           go to HMGET and HSET as they are.
-- returns {added, duplicates, sealed}: events added, events skipped because their id was already in
--         the member's open batch, batches sealed by this call
local P = ARGV[1]
local now = clock(ARGV[2])
local batchSize = tonumber(ARGV[3])
local batchTimeMs = tonumber(ARGV[4])
local maxOpen = tonumber(ARGV[5])
local globalTrigger = tonumber(ARGV[6])
local groups = tonumber(ARGV[7])

local added, duplicates, sealed, sealedEvents = 0, 0, 0, 0

-- Pushes count items, items[itemBase ..], onto the member's open list (their ids are already in the
-- open-ids hash) and seals the batch each time the list reaches the batch size. RPUSH returns the new
-- length; when a push overshoots, the overshoot is trimmed off before the seal and pushed again into the
-- next batch, whose open-ids hash gets those ids: the id of the j-th item (0-based) is
-- ids[idBase + stride * j]. (Items and ids are either ARGV itself or tables; no copy on the fast path.)
local function push(member, items, itemBase, count, ids, idBase, stride)
  local openKey = P .. ':batch:' .. member
  local from, to = itemBase, itemBase + count - 1
  while from <= to do
    local length = redis.call('RPUSH', openKey, unpack(items, from, to))
    local pushed = to - from + 1
    if length == pushed then
      redis.call('ZADD', P .. ':deadlines', now + batchTimeMs, member)
    end
    if length < batchSize then
      added = added + pushed
      return
    end
    local over = length - batchSize
    if over > 0 then
      redis.call('LTRIM', openKey, 0, batchSize - 1)
    end
    added = added + pushed - over
    seal(P, member, 'size', now, batchTimeMs, batchSize)
    sealed = sealed + 1
    sealedEvents = sealedEvents + batchSize
    from = to - over + 1
    if from <= to then
      local fields = {}
      for k = from, to do
        fields[#fields + 1] = ids[idBase + stride * (k - itemBase)]
        fields[#fields + 1] = ''
      end
      redis.call('HSET', P .. ':open-ids:' .. member, unpack(fields))
    end
  end
end

local pos = 8
for _ = 1, groups do
  local member = ARGV[pos]
  local n = tonumber(ARGV[pos + 1])
  local idsFrom = pos + 2
  local itemsFrom = idsFrom + 2 * n
  local idsKey = P .. ':open-ids:' .. member

  if n == 1 then
    -- The common case with many agents: one call both checks and records the id.
    if redis.call('HSETNX', idsKey, ARGV[idsFrom], '') == 1 then
      push(member, ARGV, itemsFrom, 1, ARGV, idsFrom, 2)
    else
      duplicates = duplicates + 1
    end
  else
    local present = redis.call('HMGET', idsKey, unpack(ARGV, idsFrom, itemsFrom - 1))
    local seen = 0
    for i = 1, 2 * n, 2 do
      if present[i] then
        seen = seen + 1
      end
    end
    if seen == 0 then
      redis.call('HSET', idsKey, unpack(ARGV, idsFrom, itemsFrom - 1))
      push(member, ARGV, itemsFrom, n, ARGV, idsFrom, 2)
    else
      -- Some ids are already in the open batch: keep only the others.
      duplicates = duplicates + seen
      if seen < n then
        local fields, items, ids = {}, {}, {}
        for k = 1, n do
          if not present[2 * k - 1] then
            local id = ARGV[idsFrom + 2 * (k - 1)]
            fields[#fields + 1] = id
            fields[#fields + 1] = ''
            ids[#ids + 1] = id
            items[#items + 1] = ARGV[itemsFrom + k - 1]
          end
        end
        redis.call('HSET', idsKey, unpack(fields))
        push(member, items, 1, #items, ids, 1, 1)
      end
    end
  end
  pos = itemsFrom + n
end

-- Counters once per call: open-events gains what was added and loses what was sealed.
local openEvents = nil
if added > 0 then
  redis.call('INCRBY', P .. ':pending', added)
end
if added ~= sealedEvents then
  openEvents = redis.call('INCRBY', P .. ':open-events', added - sealedEvents)
end
sealedEvents = 0

if globalTrigger > 0 then
  openEvents = openEvents or (tonumber(redis.call('GET', P .. ':open-events')) or 0)
  if openEvents >= globalTrigger then
    local target = math.floor(globalTrigger / 2)
    for _, member in ipairs(redis.call('ZRANGE', P .. ':deadlines', 0, 999)) do
      local batchId, count = seal(P, member, 'global', now, batchTimeMs)
      if batchId then
        sealed = sealed + 1
        sealedEvents = sealedEvents + count
        if openEvents - sealedEvents <= target then
          break
        end
      end
    end
  end
end

local open = redis.call('ZCARD', P .. ':deadlines')
if open > maxOpen then
  for _, member in ipairs(redis.call('ZRANGE', P .. ':deadlines', 0, open - maxOpen - 1)) do
    local batchId, count = seal(P, member, 'overflow', now, batchTimeMs)
    if batchId then
      sealed = sealed + 1
      sealedEvents = sealedEvents + count
    end
  end
end

if sealedEvents > 0 then
  redis.call('DECRBY', P .. ':open-events', sealedEvents)
end

return {added, duplicates, sealed}
