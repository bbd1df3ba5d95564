-- recount.lua: recomputes the shard's counters and its duplicate guard from the batch lists, in one atomic
-- step (an operator's repair after a hand edit or a script cut short), and reports what it found. With
-- ARGV[3] = 0 it only reports (a dry run: no write at all).
--   open batches   = the members of P:deadlines (their P:batch:<member> lists), plus the orphans below;
--   sealed batches = the members of P:ready, P:inflight and P:dead (their P:sealed:<batchId> lists);
--   P:open-events  = items of the open batches; P:pending = those plus the items of ready and in-flight ones;
--   P:guard        = the eventId of every item of all of them (dead ones included).
-- An item's id is read the way StoredItem.EventIdOf reads it: the writer puts eventId first, so a plain
-- prefix match finds it; anything else goes through cjson.decode. An item with no readable, non-empty id is
-- counted and reported (key and index), and left as it is.
-- Orphans: open lists without a deadline entry (found by the caller with SCAN, passed as KEYS). Only a
-- non-empty list that still has no deadline entry here is one; applying registers it in P:deadlines with
-- the deadline now, so the next due scan seals it and its events reach the sink.
-- Side state of open batches: P:open-bytes is rebuilt as the sum of the item bytes of each open list, for the
-- members a byte limit applies to now (their P:policy max_bytes, else ARGV[6]) or that have an entry; entries of
-- members without an open list are removed. P:opened entries of members without an open list are removed (an
-- open batch without one keeps its deadline, which then says its openedAt; nothing can rebuild a lost one).
-- Cost: every item and every guard id is read while Redis is blocked (0.7 to 1.5 s per 100,000 items on the
-- loaded 2-core development machine, docs/ARCHITECTURE.md); a shard with more than ARGV[4] items or guard ids
-- is refused after only LLEN and SCARD. Every write comes after every read (SCRIPT KILL works until then).
-- KEYS[1] = P:deadlines; KEYS[1 .. 13] = the shard's fixed keys, in KeySchema.ShardKeys order (common.lua)
-- KEYS[14 ..] = P:batch:<member> of each open list the caller found without a deadline entry
-- ARGV[1] = P, the shard's key prefix
-- ARGV[2] = now in ms, or '' to use the Redis server clock (TIME): the deadline given to an orphan
-- ARGV[3] = 1: apply (SET the counters that differ, SADD and SREM the guard's difference, register
--           orphans); 0: dry run
-- ARGV[4] = the most items, and the most guard ids, to recount; 0 = no bound
-- ARGV[5] = the most entries of each list in the reply (added ids, removed ids, unreadable items)
-- ARGV[6] = the global byte limit (FEEDBACK_BATCH_MAX_BYTES, 0 = off), for P:open-bytes
-- returns {1, items, guardIds} when refused (over ARGV[4]: nothing read, nothing written); else
--         {0, items, guardIds, pending, openEvents, pendingRecounted, openEventsRecounted, added, removed,
--          unreadable, repeated, emptyOpen, {added ids}, {removed ids}, {key, index, ...}, {orphan members},
--          bytesRewritten, bytesRemoved, openedRemoved, {members rewritten}, {members removed}, {opened removed}}:
--         pending and openEvents as stored ('' when absent); added/removed: guard ids missing / without an
--         item; unreadable: items without an id; repeated: items whose id another item already has;
--         emptyOpen: deadline entries whose list is empty (harmless: the due scan drops them); bytesRewritten:
--         P:open-bytes entries missing or not the open list's bytes; bytesRemoved / openedRemoved: P:open-bytes /
--         P:opened entries of members without an open list
local P = ARGV[1]
local apply = ARGV[3] == '1'
local maxItems = tonumber(ARGV[4])
local listed = tonumber(ARGV[5])
local maxBytes = tonumber(ARGV[6]) or 0
local openPrefix = P .. ':batch:'

-- The lists to read, and their items: open ones (counted in open-events and pending), ready and in-flight
-- ones (pending), dead ones (guard only).
local lists = {}
local openMembers = {} -- lists[i] -> its member, for open lists
local openItems, liveItems, items, emptyOpen = 0, 0, 0, 0
local function add_list(key, kind)
  local n = redis.call('LLEN', key)
  if n > 0 then
    lists[#lists + 1] = key
    if kind == 'open' then
      openMembers[#lists] = string.sub(key, #openPrefix + 1)
    end
    items = items + n
    if kind == 'open' then
      openItems = openItems + n
    end
    if kind ~= 'dead' then
      liveItems = liveItems + n
    end
  end
  return n
end

for _, member in ipairs(redis.call('ZRANGE', DEADLINES, 0, -1)) do
  if add_list(openPrefix .. member, 'open') == 0 then
    emptyOpen = emptyOpen + 1
  end
end

local orphans = {}
for k = OWN_KEYS, #KEYS do
  local key = KEYS[k]
  if string.sub(key, 1, #openPrefix) ~= openPrefix then
    return redis.error_reply('ERR recount.lua: ' .. key .. ' is not an open list of ' .. P)
  end
  local member = string.sub(key, #openPrefix + 1)
  if not redis.call('ZSCORE', DEADLINES, member) and add_list(key, 'open') > 0 then
    orphans[#orphans + 1] = member
  end
end

local seen = {}
for _, index in ipairs({{READY, 'ready'}, {INFLIGHT, 'inflight'}, {DEAD, 'dead'}}) do
  for _, batchId in ipairs(redis.call('ZRANGE', index[1], 0, -1)) do
    if not seen[batchId] then -- a batch in two indexes (a hand edit) counts once, by the first
      seen[batchId] = true
      add_list(P .. ':sealed:' .. batchId, index[2])
    end
  end
end

local guardIds = redis.call('SCARD', GUARD)
if maxItems > 0 and (items > maxItems or guardIds > maxItems) then
  return {1, items, guardIds}
end

local function decoded_id(item)
  local ok, value = pcall(cjson.decode, item)
  if ok and type(value) == 'table' and type(value.eventId) == 'string' and value.eventId ~= '' then
    return value.eventId
  end
  return nil
end

-- Every item's id: found[id] = true once seen (false, below, once also found in the guard).
local found = {}
local unreadable, unreadableCount, repeated = {}, 0, 0
local openBytes = {} -- member -> the item bytes of its open list
for k, key in ipairs(lists) do
  local member = openMembers[k]
  local bytes = 0
  for i, item in ipairs(redis.call('LRANGE', key, 0, -1)) do
    bytes = bytes + #item
    local id = string.match(item, '^{"eventId":"([^"\\%c]+)"') or decoded_id(item)
    if not id then
      unreadableCount = unreadableCount + 1
      if unreadableCount <= listed then
        unreadable[#unreadable + 1] = key
        unreadable[#unreadable + 1] = i - 1
      end
    elseif found[id] then
      repeated = repeated + 1
    else
      found[id] = true
    end
  end
  if member then
    openBytes[member] = bytes
  end
end

-- P:open-bytes and P:opened against the open lists (a policy's max_bytes, else the global limit, says where a
-- byte limit applies).
local function flat_hash(key)
  local flat = redis.call('HGETALL', key)
  local map = {}
  for i = 1, #flat, 2 do
    map[flat[i]] = flat[i + 1]
  end
  return map
end
local storedBytes = flat_hash(OPEN_BYTES)
local policyOf = flat_hash(POLICY)
local bytesSet, bytesRemoved, openedRemoved = {}, {}, {}
for member, bytes in pairs(openBytes) do
  local limit = maxBytes
  local policy = policyOf[member]
  if policy and string.match(policy, 'max_bytes=(%d+)') then
    limit = tonumber(string.match(policy, 'max_bytes=(%d+)'))
  end
  local stored = storedBytes[member]
  if (stored or limit > 0) and stored ~= tostring(bytes) then
    bytesSet[#bytesSet + 1] = member
    bytesSet[#bytesSet + 1] = bytes
  end
end
for member in pairs(storedBytes) do
  if not openBytes[member] then
    bytesRemoved[#bytesRemoved + 1] = member
  end
end
for member in pairs(flat_hash(OPENED)) do
  if not openBytes[member] then
    openedRemoved[#openedRemoved + 1] = member
  end
end

local removed = {}
for _, id in ipairs(redis.call('SMEMBERS', GUARD)) do
  if found[id] then
    found[id] = false
  else
    removed[#removed + 1] = id
  end
end
local added = {}
for id, missing in pairs(found) do
  if missing then
    added[#added + 1] = id
  end
end

local pending = redis.call('GET', PENDING) or ''
local openEvents = redis.call('GET', OPEN_EVENTS) or ''
if apply then
  call_sliced('SREM', GUARD, removed, 1, #removed)
  call_sliced('SADD', GUARD, added, 1, #added)
  if pending ~= tostring(liveItems) then
    redis.call('SET', PENDING, liveItems)
  end
  if openEvents ~= tostring(openItems) then
    redis.call('SET', OPEN_EVENTS, openItems)
  end
  call_sliced('HSET', OPEN_BYTES, bytesSet, 1, #bytesSet)
  call_sliced('HDEL', OPEN_BYTES, bytesRemoved, 1, #bytesRemoved)
  call_sliced('HDEL', OPENED, openedRemoved, 1, #openedRemoved)
  if #orphans > 0 then
    local now = clock(ARGV[2])
    for _, member in ipairs(orphans) do
      redis.call('ZADD', DEADLINES, now, member)
    end
  end
end

local function head(list, n)
  local out = {}
  for i = 1, math.min(n, #list) do
    out[i] = list[i]
  end
  return out
end

local rewritten = {}
for i = 1, #bytesSet, 2 do
  rewritten[#rewritten + 1] = bytesSet[i]
end
return {0, items, guardIds, pending, openEvents, liveItems, openItems, #added, #removed, unreadableCount, repeated,
  emptyOpen, head(added, listed), head(removed, listed), unreadable, orphans,
  #rewritten, #bytesRemoved, #openedRemoved, head(rewritten, listed), head(bytesRemoved, listed), head(openedRemoved, listed)}
