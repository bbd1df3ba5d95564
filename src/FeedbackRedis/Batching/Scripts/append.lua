-- append.lua: appends events to open batches, many members per call; checks each batch's length in
-- the same script and seals it the moment it reaches the batch size. An event whose id is in the
-- shard's guard set (an event appended and not yet acked) is skipped as a duplicate. Records, in the
-- same atomic step, the highest Kafka offset per partition that the call takes in (P:offsets), so what
-- Redis holds is always a consistent prefix of each partition; refuses the whole call, writing nothing,
-- when a partition's recorded offset is behind what the caller recorded before (Redis lost data).
-- KEYS[1] = P:deadlines; KEYS[1 .. 13] = the shard's fixed keys, in KeySchema.ShardKeys order (common.lua)
-- KEYS[14 .. 13+G] = P:batch:<member> of each of the G groups, in the order of the groups below
-- ARGV[1] = P, the shard's key prefix
-- ARGV[2] = now in ms, or '' to use the Redis server clock (TIME)
-- ARGV[3] = batch size (items per batch)
-- ARGV[4] = batch time in ms (deadline = first item's arrival + batch time)
-- ARGV[5] = maximum open batches in this shard; beyond it the oldest are sealed ('overflow')
-- ARGV[6] = global trigger (hybrid mode): when the shard's open events reach it, the oldest open
--           batches are combined into batches of the shard's lane ('global', at most the batch size each, or the lane's P:policy size and byte limit)
--           until at most half of it remain open, at most 1,000 open batches per call; 0 turns it off
-- ARGV[7] = the shard's lane (a member such as '#global-0' that maps to this shard): it owns the
--           combined batches
-- ARGV[8] = byte limit: a batch seals when its items' bytes reach it, and an item that would take a
--           non-empty batch past it seals that batch first ('bytes'); an item larger than the limit is a
--           batch of its own; 0 turns it off
-- ARGV[9] = grace in ms: each new item moves the deadline to now + grace, never past the first item's
--           arrival + the batch time (the hard maximum); 0 turns it off (deadline = first item + batch time)
-- ARGV[10] = number of events N; ARGV[11] = number of groups G (one per member); ARGV[12] = number of
--           partitions Q whose offsets this call records (0 for all but the last call of an append)
-- ARGV[13 .. 12+3Q] = Q triples (field '<topic>/<partition>', expected, taken): expected is the offset
--           this caller recorded last (-1: none known), taken the highest offset this call takes in
-- ARGV[13+3Q .. 12+3Q+N] = the N event ids, distinct within a call (the client drops repeats), in the
--           order of the items below
-- then S, the number of members with one event; then S pairs (member, item JSON); then the G - S
--           other groups, each: member, n, n items
-- returns {added, duplicates, sealed, refused, recorded_1 .. recorded_Q}: events added, events skipped
--         because their id was in the guard, batches sealed by this call; refused = 1 when some
--         partition's recorded offset was behind its expected one (nothing was written); recorded_q =
--         the offset P:offsets held for partition q before this call (-1: none)
-- Per-agent overrides (P:policy, field = member) replace the batch size, batch time and byte limit for
-- that member; they are read (one EXISTS, then one HMGET of the call's members) only when the shard has any.
-- With a byte limit or grace on, the open batches' side state is read once per call (one HMGET of P:open-bytes,
-- one of P:opened), and the deadlines, P:opened and P:open-bytes this call changes are written once per call
-- (one ZADD, one HSET each) after the pushes: per member, only the RPUSH (the list's length is its reply).
-- In hybrid mode the shard's lane's entry (size, bytes) bounds the batches the global trigger combines.
local P = ARGV[1]
local now = clock(ARGV[2])
local batchSize = tonumber(ARGV[3])
local batchTimeMs = tonumber(ARGV[4])
local maxOpen = tonumber(ARGV[5])
local globalTrigger = tonumber(ARGV[6])
local lane = ARGV[7]
local maxBytes = tonumber(ARGV[8])
local grace = tonumber(ARGV[9])
local total = tonumber(ARGV[10])
local groups = tonumber(ARGV[11])
local partitions = tonumber(ARGV[12])
local idsFrom = 13 + 3 * partitions

local added, sealed, sealedEvents = 0, 0, 0

-- The recorded offsets of the call's partitions; true when one is behind what the caller recorded
-- before it (or gone): Redis lost writes it had acknowledged, and the caller must rewind.
local function read_offsets()
  local recorded = {}
  local lost = false
  if partitions == 0 then
    return recorded, lost
  end
  local fields = {}
  for q = 1, partitions do
    fields[q] = ARGV[10 + 3 * q]
  end
  local values = {}
  for first = 1, partitions, 1000 do
    local slice = redis.call('HMGET', OFFSETS, unpack(fields, first, math.min(first + 999, partitions)))
    for i = 1, #slice do
      values[first + i - 1] = slice[i]
    end
  end
  for q = 1, partitions do
    local expected = tonumber(ARGV[11 + 3 * q])
    local value = tonumber(values[q]) or -1
    recorded[q] = value
    if expected >= 0 and value < expected then
      lost = true
    end
  end
  return recorded, lost
end

-- Which of the call's ids the guard already holds: {present flags}, and how many.
local function read_guard()
  if total == 0 then
    return {}, 0
  end
  local present = redis.call('SMISMEMBER', GUARD, unpack(ARGV, idsFrom, idsFrom + total - 1))
  local duplicates = 0
  for i = 1, total do
    duplicates = duplicates + present[i]
  end
  return present, duplicates
end

-- A stored policy 'batch_size=N;batch_time_ms=N;max_bytes=N' (each part optional) as {size, time, bytes}.
local function parse_policy(v)
  return {
    size = tonumber(string.match(v, 'batch_size=(%d+)')),
    time = tonumber(string.match(v, 'batch_time_ms=(%d+)')),
    bytes = tonumber(string.match(v, 'max_bytes=(%d+)')),
  }
end

-- The call's members, in the order of its groups (singles first), read once from ARGV; only when a
-- feature needs them (per-agent overrides, a byte limit, grace).
local function call_members()
  local members = {}
  local pos = idsFrom + total + 1
  local singles = tonumber(ARGV[idsFrom + total])
  for i = 1, singles do
    members[i] = ARGV[pos]
    pos = pos + 2
  end
  for g = singles + 1, groups do
    members[g] = ARGV[pos]
    pos = pos + 2 + tonumber(ARGV[pos + 1])
  end
  return members
end
local memberList = nil
local function members()
  memberList = memberList or call_members()
  return memberList
end

-- HMGET of `fields` in slices of 1,000: field -> value for the fields that have one.
local function hash_values(key, fields)
  local map = {}
  for first = 1, #fields, 1000 do
    local values = redis.call('HMGET', key, unpack(fields, first, math.min(first + 999, #fields)))
    for k = 1, #values do
      if values[k] then
        map[fields[first + k - 1]] = values[k]
      end
    end
  end
  return map
end

-- The call's per-agent overrides: member -> {size, time, bytes} (a part not overridden is nil), or nil
-- when the shard has none (the default path: one EXISTS per call).
local policies = nil
local function read_policies()
  if groups == 0 or redis.call('EXISTS', POLICY) == 0 then
    return
  end
  policies = {}
  for member, value in pairs(hash_values(POLICY, members())) do
    policies[member] = parse_policy(value)
  end
end

-- The batch size, batch time and byte limit that apply to `member`.
local function policy_of(member)
  local p = policies and policies[member]
  if not p then
    return batchSize, batchTimeMs, maxBytes
  end
  return p.size or batchSize, p.time or batchTimeMs, p.bytes or maxBytes
end

-- The side state of the call's members as it was before the call (one HMGET per hash per call, not one
-- command per member): storedBytes = P:open-bytes of the members a byte limit applies to (read when one
-- does), storedOpened = P:opened of every member (read when grace is on).
local storedBytes, storedOpened = {}, {}
local function read_side_state()
  if groups == 0 then
    return
  end
  local limited = {}
  if maxBytes > 0 and not policies then
    limited = members()
  elseif maxBytes > 0 or policies then
    for _, member in ipairs(members()) do
      local _, _, limit = policy_of(member)
      if limit > 0 then
        limited[#limited + 1] = member
      end
    end
  end
  if #limited > 0 then
    storedBytes = hash_values(OPEN_BYTES, limited)
  end
  if grace > 0 then
    storedOpened = hash_values(OPENED, members())
  end
  if next(storedBytes) or next(storedOpened) then
    side_state = true
  end
end

-- This call's writes of deadlines, P:opened and P:open-bytes, per member (false: cleared by a seal in this
-- call); written by flush_side_state, one ZADD and at most one HSET per hash per call, after the pushes and
-- before anything else of the call reads them (combine_oldest, seal_overflow).
local deadlineOf, openedOf, bytesOf, touched, isTouched = {}, {}, {}, {}, {}
local function touch(member)
  if not isTouched[member] then
    isTouched[member] = true
    touched[#touched + 1] = member
  end
end

local function flush_side_state()
  local deadlines, opened, bytes = {}, {}, {}
  for _, member in ipairs(touched) do
    if deadlineOf[member] then
      deadlines[#deadlines + 1] = deadlineOf[member]
      deadlines[#deadlines + 1] = member
    end
    if openedOf[member] then
      opened[#opened + 1] = member
      opened[#opened + 1] = openedOf[member]
    end
    if bytesOf[member] then
      bytes[#bytes + 1] = member
      bytes[#bytes + 1] = bytesOf[member]
    end
  end
  call_sliced('ZADD', DEADLINES, deadlines, 1, #deadlines) -- slices of 1,000: whole score-member pairs
  call_sliced('HSET', OPENED, opened, 1, #opened)
  call_sliced('HSET', OPEN_BYTES, bytes, 1, #bytes)
  if #opened > 0 or #bytes > 0 then
    side_state = true
  end
end

-- Seals the open batch of `member` (seal() in common.lua) and forgets this call's pending writes for it.
-- Returns whether a batch was sealed (false when its list was empty).
local function seal_open(member, trigger, count)
  local batchId, events = seal(P, member, trigger, now, batchTimeMs, count)
  deadlineOf[member], openedOf[member], bytesOf[member] = false, false, false
  if not batchId then
    return false
  end
  sealed = sealed + 1
  sealedEvents = sealedEvents + events
  return true
end

-- A batch just got its first item: its deadline is now + batch time, or with grace now + grace capped
-- by the hard maximum. P:opened keeps openedAt and the hard maximum whenever the deadline does not
-- say them (grace on, or a per-agent batch time), so seals record the right openedAt.
local function open_deadline(member, time)
  local hard = now + time
  touch(member)
  if grace > 0 then
    deadlineOf[member] = math.min(now + grace, hard)
  else
    deadlineOf[member] = hard
  end
  if grace > 0 or time ~= batchTimeMs then
    openedOf[member] = now .. ':' .. hard
  end
end

-- Grace: a new item in an open batch moves its deadline to now + grace, never past its hard maximum
-- (P:opened; a batch opened before grace was on has none: its deadline is its hard maximum).
local function extend_deadline(member)
  local stored = openedOf[member]
  if stored == nil then
    stored = storedOpened[member]
  end
  local hard
  if stored then
    hard = tonumber(string.match(stored, ':(%d+)$'))
  else
    hard = deadlineOf[member] or tonumber(redis.call('ZSCORE', DEADLINES, member)) or (now + batchTimeMs)
  end
  touch(member)
  deadlineOf[member] = math.min(now + grace, hard)
end

-- push() with a byte limit: an item that would take a non-empty batch past `limit` seals it first
-- ('bytes'), and the batch seals once it holds `size` items ('size') or `limit` bytes ('bytes'); so an item
-- larger than the limit is a batch of its own, never a stall. The open batch's bytes live in P:open-bytes
-- (a batch opened while no limit applied counts from its first item under one). The items go in runs, each
-- one RPUSH of the items up to the next byte seal; RPUSH's reply (the list's length) says whether the run
-- reached the size, and the items past the size are trimmed off and go into the next batch (as in push()).
-- So per member and call: one RPUSH, no read (the bytes come from read_side_state, the length from RPUSH);
-- an LLEN only when an item over the limit meets a batch whose length nothing has told.
local function push_bytes(member, openKey, items, from, to, size, time, limit)
  local stored = bytesOf[member]
  if stored == nil then
    stored = storedBytes[member]
  end
  local bytes = tonumber(stored) or 0
  -- Whether the open batch holds items: true, false, or nil (no P:open-bytes entry: unknown until RPUSH or LLEN).
  local holds = nil
  if stored then
    holds = true
  elseif stored == false then
    holds = false
  end
  local length = nil -- the open list's length, once known
  local fresh = false -- whether this call opened the open batch
  local i = from
  while i <= to do
    if bytes + #items[i] > limit then
      if holds == nil then
        length = redis.call('LLEN', openKey)
        holds = length > 0
      end
      if holds then
        seal_open(member, 'bytes', length)
      end
      bytes, holds, length, fresh = 0, false, 0, false
    end
    -- The run: items i .. j, up to the one that reaches the limit or the one before the one that would pass it.
    local j, runBytes = i, bytes + #items[i]
    while j < to and runBytes < limit and runBytes + #items[j + 1] <= limit do
      j = j + 1
      runBytes = runBytes + #items[j]
    end
    local pushed = j - i + 1
    local newLength = redis.call('RPUSH', openKey, unpack(items, i, j))
    local old = newLength - pushed
    if old == 0 then
      fresh = true
      if holds then
        -- P:open-bytes had an entry for an empty list (a recount fixes that): the batch starts with this run,
        -- which may then end before the limit (the next run continues the same batch).
        runBytes, bytes = runBytes - bytes, 0
      end
    end
    if newLength >= size then
      -- The size is reached at the run's t-th item (the first one when the list was already full).
      local t = math.max(1, size - old)
      if t < pushed then
        redis.call('LTRIM', openKey, 0, old + t - 1)
      end
      added = added + t
      seal_open(member, 'size', old + t)
      bytes, holds, length, fresh = 0, false, 0, false
      i = i + t
    else
      added = added + pushed
      bytes, holds, length = runBytes, true, newLength
      if runBytes >= limit then
        seal_open(member, 'bytes', newLength)
        bytes, holds, length, fresh = 0, false, 0, false
      elseif j == to then
        if fresh then
          open_deadline(member, time)
        elseif grace > 0 then
          extend_deadline(member)
        end
        touch(member)
        bytesOf[member] = bytes
      end
      i = j + 1
    end
  end
end

-- Pushes items[from .. to] onto the open list `openKey` of `member` and seals the batch each time the
-- list reaches the member's batch size. RPUSH returns the new length; when a push overshoots, the overshoot
-- (this call's last items) is trimmed off before the seal and pushed again into the next batch. A list
-- that was already full before the push (the batch size was lowered since, globally or for the agent)
-- is sealed whole, as it is, with this push's items.
local function push(member, openKey, items, from, to)
  local size, time, limit = policy_of(member)
  if limit > 0 then
    return push_bytes(member, openKey, items, from, to, size, time, limit)
  end
  while from <= to do
    local length = redis.call('RPUSH', openKey, unpack(items, from, to))
    local pushed = to - from + 1
    if length < size then
      if length == pushed then
        open_deadline(member, time)
      elseif grace > 0 then
        extend_deadline(member)
      end
      added = added + pushed
      return
    end
    local over = length - size
    if over >= pushed then
      over = 0
    elseif over > 0 then
      redis.call('LTRIM', openKey, 0, size - 1)
    end
    added = added + pushed - over
    seal_open(member, 'size', length - over)
    from = to - over + 1
  end
end

-- Pushes every event whose id is not guarded: the groups of one event (most of them when events spread
-- over many agents) come first, as (member, item) pairs; then the groups of several, as (member, n,
-- n items). Group g's open list is KEYS[13 + g].
local function push_all(present, duplicates)
  local pos = idsFrom + total + 1
  local singles = tonumber(ARGV[idsFrom + total])
  for i = 1, singles do
    if duplicates == 0 or present[i] == 0 then
      push(ARGV[pos], KEYS[OWN_KEYS + i - 1], ARGV, pos + 1, pos + 1)
    end
    pos = pos + 2
  end
  local id = singles
  for g = singles + 1, groups do
    local member = ARGV[pos]
    local n = tonumber(ARGV[pos + 1])
    local first = pos + 2
    local last = first + n - 1
    if duplicates == 0 then
      push(member, KEYS[OWN_KEYS + g - 1], ARGV, first, last)
    else
      local items = {}
      for k = 0, n - 1 do
        if present[id + k + 1] == 0 then
          items[#items + 1] = ARGV[first + k]
        end
      end
      if #items > 0 then
        push(member, KEYS[OWN_KEYS + g - 1], items, 1, #items)
      end
    end
    id = id + n
    pos = last + 1
  end
end

-- Guards the ids just pushed. After the pushes: a call cut short can leave an item without its guard
-- (a duplicate the sink absorbs), never a guarded id without its item.
local function guard_fresh(present, duplicates)
  if total == 0 or duplicates == total then
    return
  end
  if duplicates == 0 then
    redis.call('SADD', GUARD, unpack(ARGV, idsFrom, idsFrom + total - 1))
    return
  end
  local fresh = {}
  for i = 1, total do
    if present[i] == 0 then
      fresh[#fresh + 1] = ARGV[idsFrom + i - 1]
    end
  end
  redis.call('SADD', GUARD, unpack(fresh))
end

-- Records each partition's highest offset taken in (never lowered: a retried or overlapping call
-- with older offsets leaves a higher record as it is).
local function record_offsets(recorded)
  local changes = {}
  for q = 1, partitions do
    local taken = tonumber(ARGV[12 + 3 * q])
    if taken > recorded[q] then
      changes[#changes + 1] = ARGV[10 + 3 * q]
      changes[#changes + 1] = taken
    end
  end
  call_sliced('HSET', OFFSETS, changes, 1, #changes) -- slices of 1,000: whole field-value pairs, within unpack's stack
end

-- The global trigger (hybrid): the oldest open batches, read 100 at a time from the deadline set,
-- are combined into batches of the shard's lane (at most the lane's batch size and byte limit each: its
-- P:policy entry when it has one, else the global ones; an agent's batch is never split, so one agent's
-- batch alone may exceed them) until at most half of the trigger remain open; at most 1,000 open
-- batches per call. Small agents' events are so written together, and claimed, written, announced and
-- acked as one batch instead of one per agent. The lane's batch time does not apply (a combined batch
-- is sealed as it is made). One HGET of the lane's policy per combining call.
local function combine_oldest(openEvents)
  local laneSize, laneBytes = batchSize, maxBytes
  local lanePolicy = redis.call('HGET', POLICY, lane)
  if lanePolicy then
    local p = parse_policy(lanePolicy)
    laneSize, laneBytes = p.size or batchSize, p.bytes or maxBytes
  end
  local target = math.floor(globalTrigger / 2)
  local remaining = openEvents
  local members = {}
  local batchId, count, bytes, openedAt = nil, 0, 0, nil
  local sideState = has_side_state()
  local function finish()
    if count > 0 then
      redis.call('HSET', P .. ':meta:' .. batchId,
        'member', lane, 'trigger', 'global', 'count', count,
        'openedAt', openedAt, 'sealedAt', now, 'attempts', 0)
      redis.call('ZADD', READY, now, batchId)
      sealed = sealed + 1
      sealedEvents = sealedEvents + count
    end
    batchId, count, bytes, openedAt = nil, 0, 0, nil
  end
  local page = 0
  while remaining > target and #members < 1000 do
    local oldest = redis.call('ZRANGE', DEADLINES, page, page + 99, 'WITHSCORES')
    for i = 1, #oldest, 2 do
      if remaining <= target or #members == 1000 then
        break
      end
      local openKey = P .. ':batch:' .. oldest[i]
      local items = redis.call('LRANGE', openKey, 0, -1)
      if #items > 0 then
        local itemBytes = 0
        if laneBytes > 0 then
          for k = 1, #items do
            itemBytes = itemBytes + #items[k]
          end
        end
        if count > 0 and (count + #items > laneSize or (laneBytes > 0 and bytes + itemBytes > laneBytes)) then
          finish()
        end
        batchId = batchId or (lane .. ':' .. redis.call('INCR', SEQ))
        local memberOpened = tonumber(oldest[i + 1]) - batchTimeMs
        local stored = sideState and redis.call('HGET', OPENED, oldest[i])
        if stored then
          memberOpened = opened_at(stored)
        end
        if not openedAt or memberOpened < openedAt then
          openedAt = memberOpened
        end
        bytes = bytes + itemBytes
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
  call_sliced('ZREM', DEADLINES, members, 1, #members)
  if sideState then
    call_sliced('HDEL', OPENED, members, 1, #members)
    call_sliced('HDEL', OPEN_BYTES, members, 1, #members)
  end
  finish()
end

-- The overflow rule: beyond the maximum, the oldest open batches are sealed (ZPOPMIN takes them off
-- the deadline set in one command).
local function seal_overflow()
  local over = redis.call('ZCARD', DEADLINES) - maxOpen
  while over > 0 do
    local popped = redis.call('ZPOPMIN', DEADLINES, math.min(over, 1000))
    if #popped == 0 then
      break
    end
    local batches, events = seal_popped(P, popped, 'overflow', now, batchTimeMs)
    sealed = sealed + batches
    sealedEvents = sealedEvents + events
    over = over - #popped / 2
  end
end

local recorded, lost = read_offsets()
local function reply(refused, duplicates)
  local result = {added, duplicates, sealed, refused}
  for q = 1, partitions do
    result[4 + q] = recorded[q]
  end
  return result
end
if lost then
  return reply(1, 0)
end

local present, duplicates = read_guard()
read_policies()
if grace > 0 or maxBytes > 0 or policies then
  read_side_state()
end
push_all(present, duplicates)
flush_side_state()
guard_fresh(present, duplicates)
record_offsets(recorded)

-- Counters once per call: open-events gains what was added and loses what was sealed.
local openEvents = nil
if added > 0 then
  redis.call('INCRBY', PENDING, added)
end
if added ~= sealedEvents then
  openEvents = redis.call('INCRBY', OPEN_EVENTS, added - sealedEvents)
end
sealedEvents = 0

if globalTrigger > 0 then
  openEvents = openEvents or (tonumber(redis.call('GET', OPEN_EVENTS)) or 0)
  if openEvents >= globalTrigger then
    combine_oldest(openEvents)
  end
end
seal_overflow()

if sealedEvents > 0 then
  redis.call('DECRBY', OPEN_EVENTS, sealedEvents)
end

return reply(0, duplicates)
