-- append.lua: appends events to open batches, many members per call; checks each batch's length in
-- the same script and seals it the moment it reaches the batch size. An event whose id is in the
-- shard's guard set (an event appended and not yet acked) is skipped as a duplicate.
-- KEYS[1] = P:deadlines  (routes the call to the shard; every key used is under the prefix P)
-- ARGV[1] = P, the shard's key prefix
-- ARGV[2] = now in ms, or '' to use the Redis server clock (TIME)
-- ARGV[3] = batch size (items per batch)
-- ARGV[4] = batch time in ms (deadline = first item's arrival + batch time)
-- ARGV[5] = maximum open batches in this shard; beyond it the oldest are sealed ('overflow')
-- ARGV[6] = global trigger (hybrid mode): when the shard's open events reach it, the oldest open
--           batches are combined into batches of the shard's lane ('global', at most the batch size each)
--           until at most half of it remain open, at most 1,000 open batches per call; 0 turns it off
-- ARGV[7] = the shard's lane (a member such as '#global-0' that maps to this shard): it owns the
--           combined batches
-- ARGV[8] = number of events N; ARGV[9] = number of groups G (one per member)
-- ARGV[10 .. 9+N] = the N event ids, distinct within a call (the client drops repeats), in the order
--           of the items below
-- ARGV[10+N] = S, the number of members with one event; then S pairs (member, item JSON); then the
--           G - S other groups, each: member, n, n items
-- returns {added, duplicates, sealed}: events added, events skipped because their id was in the
--         guard, batches sealed by this call
local P = ARGV[1]
local now = clock(ARGV[2])
local batchSize = tonumber(ARGV[3])
local batchTimeMs = tonumber(ARGV[4])
local maxOpen = tonumber(ARGV[5])
local globalTrigger = tonumber(ARGV[6])
local lane = ARGV[7]
local total = tonumber(ARGV[8])
local groups = tonumber(ARGV[9])
local guardKey = P .. ':guard'

local added, sealed, sealedEvents = 0, 0, 0

-- One look-up for every id of the call; the ids not yet guarded are added with one SADD.
local present = redis.call('SMISMEMBER', guardKey, unpack(ARGV, 10, 9 + total))
local duplicates = 0
for i = 1, total do
  duplicates = duplicates + present[i]
end
if duplicates == 0 then
  redis.call('SADD', guardKey, unpack(ARGV, 10, 9 + total))
elseif duplicates < total then
  local fresh = {}
  for i = 1, total do
    if present[i] == 0 then
      fresh[#fresh + 1] = ARGV[9 + i]
    end
  end
  redis.call('SADD', guardKey, unpack(fresh))
end

-- Pushes items[from .. to] onto the member's open list and seals the batch each time the list
-- reaches the batch size. RPUSH returns the new length; when a push overshoots, the overshoot (this
-- call's last items) is trimmed off before the seal and pushed again into the next batch. A list that
-- was already full before the push (the batch size was lowered since) is sealed whole, as it is.
local function push(member, items, from, to)
  local openKey = P .. ':batch:' .. member
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
    if over >= pushed then
      over = 0
    elseif over > 0 then
      redis.call('LTRIM', openKey, 0, batchSize - 1)
    end
    added = added + pushed - over
    seal(P, member, 'size', now, batchTimeMs, length - over)
    sealed = sealed + 1
    sealedEvents = sealedEvents + length - over
    from = to - over + 1
  end
end

-- Groups of one event (most of them when events spread over many agents) come first, as
-- (member, item) pairs; then the groups of several, as (member, n, n items).
local pos = 11 + total
local singles = tonumber(ARGV[10 + total])
for i = 1, singles do
  if duplicates == 0 or present[i] == 0 then
    push(ARGV[pos], ARGV, pos + 1, pos + 1)
  end
  pos = pos + 2
end
local id = singles
for _ = singles + 1, groups do
  local member = ARGV[pos]
  local n = tonumber(ARGV[pos + 1])
  local first = pos + 2
  local last = first + n - 1
  if duplicates == 0 then
    push(member, ARGV, first, last)
  else
    local items = {}
    for k = 0, n - 1 do
      if present[id + k + 1] == 0 then
        items[#items + 1] = ARGV[first + k]
      end
    end
    if #items > 0 then
      push(member, items, 1, #items)
    end
  end
  id = id + n
  pos = last + 1
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

-- The global trigger (hybrid): the oldest open batches, read 100 at a time from the deadline set,
-- are combined into batches of the shard's lane (at most the batch size each) until at most half of
-- the trigger remain open; at most 1,000 open batches per call. Small agents' events are so written
-- together, and claimed, written, announced and acked as one batch instead of one per agent.
if globalTrigger > 0 then
  openEvents = openEvents or (tonumber(redis.call('GET', P .. ':open-events')) or 0)
  if openEvents >= globalTrigger then
    local target = math.floor(globalTrigger / 2)
    local remaining = openEvents
    local members = {}
    local batchId, count, openedAt = nil, 0, nil
    local function finish()
      if count > 0 then
        redis.call('HSET', P .. ':meta:' .. batchId,
          'member', lane, 'trigger', 'global', 'count', count,
          'openedAt', openedAt - batchTimeMs, 'sealedAt', now, 'attempts', 0)
        redis.call('ZADD', P .. ':ready', now, batchId)
        sealed = sealed + 1
        sealedEvents = sealedEvents + count
      end
      batchId, count, openedAt = nil, 0, nil
    end
    local page = 0
    while remaining > target and #members < 1000 do
      local oldest = redis.call('ZRANGE', P .. ':deadlines', page, page + 99, 'WITHSCORES')
      for i = 1, #oldest, 2 do
        if remaining <= target or #members == 1000 then
          break
        end
        local openKey = P .. ':batch:' .. oldest[i]
        local items = redis.call('LRANGE', openKey, 0, -1)
        if #items > 0 then
          if count > 0 and count + #items > batchSize then
            finish()
          end
          batchId = batchId or (lane .. ':' .. redis.call('INCR', P .. ':seq'))
          openedAt = openedAt or tonumber(oldest[i + 1])
          call_sliced('RPUSH', P .. ':sealed:' .. batchId, items, 1, #items)
          redis.call('DEL', openKey)
          count = count + #items
          remaining = remaining - #items
        end
        members[#members + 1] = oldest[i]
      end
      if #oldest < 200 then
        break
      end
      page = page + 100
    end
    call_sliced('ZREM', P .. ':deadlines', members, 1, #members)
    finish()
  end
end

-- The overflow rule: beyond the maximum, the oldest open batches are sealed (ZPOPMIN takes them off
-- the deadline set in one command).
local over = redis.call('ZCARD', P .. ':deadlines') - maxOpen
while over > 0 do
  local popped = redis.call('ZPOPMIN', P .. ':deadlines', math.min(over, 1000))
  if #popped == 0 then
    break
  end
  local batches, events = seal_popped(P, popped, 'overflow', now, batchTimeMs)
  sealed = sealed + batches
  sealedEvents = sealedEvents + events
  over = over - #popped / 2
end

if sealedEvents > 0 then
  redis.call('DECRBY', P .. ':open-events', sealedEvents)
end

return {added, duplicates, sealed}
