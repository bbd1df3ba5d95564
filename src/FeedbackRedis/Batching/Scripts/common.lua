-- common.lua: helpers prepended to every other script (RedisScripts.cs does the joining), so each
-- transition is still one atomic EVAL. Nothing here runs on its own.
--
-- Keys. Every script declares what it touches in KEYS, so Redis Cluster routes the call, or refuses it
-- with MOVED / ASK / TRYAGAIN, before any write:
--   KEYS[1 .. 13]  the shard's fixed keys, in the order of KeySchema.ShardKeys (named below);
--   KEYS[14 ..]    the call's own keys (an open list, a batch's sealed list and meta hash): see each script.
-- Keys a script derives while it runs (a new batch id from P:seq, members named by P:deadlines) cannot be
-- declared; P:slot-probe (KEYS[10]) covers them: it never exists, so a node whose slot is being migrated
-- always misses one declared key and refuses the whole call (TRYAGAIN, or ASK when no key is left), and
-- no script ever runs part-way on a slot that is moving. The client never follows ASK (NoRedirect).
--
-- Key layout under a shard prefix P (ARGV[1] of every script; "feedback" standalone, "feedback:{3}"
-- in the cluster layout): see docs/ARCHITECTURE.md.
--   P:batch:<member>      LIST  open batch items (readable JSON), arrival order
--   P:guard               SET   event ids appended and not yet acked (duplicate guard)
--   P:deadlines           ZSET  member -> deadline (ms)
--   P:seq                 STRING batch sequence
--   P:sealed:<batchId>    LIST  sealed batch items
--   P:meta:<batchId>      HASH  member, trigger, count, openedAt, sealedAt, attempts, fence, owner,
--                               leaseUntil, lastError, deadAt, replays, replayedAt
--   P:ready               ZSET  batchId -> claimable from (ms)
--   P:inflight            ZSET  batchId -> lease expiry (ms)
--   P:dead                ZSET  batchId -> parked at (ms)
--   P:open-events         STRING events in open batches
--   P:pending             STRING events in open, ready and in-flight batches (dead ones excluded)
--   P:offsets             HASH  '<topic>/<partition>' -> highest Kafka offset taken in (append.lua)
--   P:slot-probe          never written (see above)
--   P:policy              HASH  member -> 'batch_size=N;batch_time_ms=N;max_bytes=N' (each part optional): per-agent
--                               overrides, read by append.lua
--   P:open-bytes          HASH  member -> item bytes of its open batch, kept while a byte limit applies to it
--   P:opened              HASH  member -> '<openedAt>:<hardMax>' of its open batch, kept only when its deadline is not
--                               openedAt + the global batch time (grace on, or a per-agent batch time)
local DEADLINES, GUARD, SEQ, READY, INFLIGHT, DEAD = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local OPEN_EVENTS, PENDING, OFFSETS = KEYS[7], KEYS[8], KEYS[9]
local POLICY, OPEN_BYTES, OPENED = KEYS[11], KEYS[12], KEYS[13]
local OWN_KEYS = 14
if KEYS[1] ~= ARGV[1] .. ':deadlines' or KEYS[10] ~= ARGV[1] .. ':slot-probe' or KEYS[13] ~= ARGV[1] .. ':opened' then
  return redis.error_reply('ERR feedback script: KEYS do not follow KeySchema.ShardKeys for prefix ' .. tostring(ARGV[1]))
end

local function clock(arg)
  if arg == nil or arg == '' then
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return tonumber(arg)
end

-- Whether P:opened or P:open-bytes hold anything: read once per script, on the first seal that needs to know
-- (so a shard that never used grace, per-agent times or byte limits pays one EXISTS per sealing call, no more).
local side_state = nil
local function has_side_state()
  if side_state == nil then
    side_state = redis.call('EXISTS', OPENED, OPEN_BYTES) > 0
  end
  return side_state
end

-- The openedAt of a P:opened value '<openedAt>:<hardMax>'.
local function opened_at(value)
  return tonumber(string.match(value, '^(%d+)'))
end

-- Seals the open batch of `member`: its list is renamed (not copied) under a new batch id and the
-- batch becomes ready. `count` is the batch's length when the caller knows it (else nil). The caller
-- takes the sealed events out of P:open-events (once per script, not once per batch). Returns the
-- batch id and its event count, or false when the member has no open batch.
local function seal(P, member, trigger, now, batchTimeMs, count)
  local openKey = P .. ':batch:' .. member
  count = count or redis.call('LLEN', openKey)
  local deadline = redis.call('ZSCORE', DEADLINES, member)
  redis.call('ZREM', DEADLINES, member)
  local openedAt = now
  if deadline then
    openedAt = tonumber(deadline) - batchTimeMs
  end
  if has_side_state() then
    local stored = redis.call('HGET', OPENED, member)
    if stored then
      openedAt = opened_at(stored)
    end
    redis.call('HDEL', OPENED, member)
    redis.call('HDEL', OPEN_BYTES, member)
  end
  if count == 0 then
    return false
  end
  local batchId = member .. ':' .. redis.call('INCR', SEQ)
  redis.call('RENAME', openKey, P .. ':sealed:' .. batchId)
  redis.call('HSET', P .. ':meta:' .. batchId,
    'member', member, 'trigger', trigger, 'count', count,
    'openedAt', openedAt, 'sealedAt', now, 'attempts', 0)
  redis.call('ZADD', READY, now, batchId)
  return batchId, count
end

-- Runs `command key args[from..to]` in slices small enough for unpack (Lua's C stack holds ~8,000).
local function call_sliced(command, key, args, from, to)
  for first = from, to, 1000 do
    redis.call(command, key, unpack(args, first, math.min(first + 999, to)))
  end
end

-- Seals several open batches at once. `popped` is a flat {member, deadline, ...} list of members already
-- removed from P:deadlines (by ZPOPMIN, or ZRANGE and ZREM), so per batch only LLEN, RENAME and HSET
-- remain; the sequence and the ready set take one command each. A member whose list is gone seals
-- nothing (its sequence number is skipped). The caller takes the sealed events out of P:open-events.
-- Returns the number of batches sealed and their events.
local function seal_popped(P, popped, trigger, now, batchTimeMs)
  local n = #popped / 2
  if n == 0 then
    return 0, 0
  end
  local seq = redis.call('INCRBY', SEQ, n) - n
  local ready = {}
  local events = 0
  local stored = nil
  if has_side_state() then
    local members = {}
    for i = 1, #popped, 2 do
      members[#members + 1] = popped[i]
    end
    stored = {}
    for first = 1, #members, 1000 do
      local last = math.min(first + 999, #members)
      local slice = redis.call('HMGET', OPENED, unpack(members, first, last))
      for k = 1, #slice do
        stored[first + k - 1] = slice[k]
      end
    end
    call_sliced('HDEL', OPENED, members, 1, #members)
    call_sliced('HDEL', OPEN_BYTES, members, 1, #members)
  end
  for i = 1, #popped, 2 do
    local member = popped[i]
    local openKey = P .. ':batch:' .. member
    local count = redis.call('LLEN', openKey)
    seq = seq + 1
    if count > 0 then
      local batchId = member .. ':' .. seq
      local openedAt = tonumber(popped[i + 1]) - batchTimeMs
      if stored and stored[(i + 1) / 2] then
        openedAt = opened_at(stored[(i + 1) / 2])
      end
      redis.call('RENAME', openKey, P .. ':sealed:' .. batchId)
      redis.call('HSET', P .. ':meta:' .. batchId,
        'member', member, 'trigger', trigger, 'count', count,
        'openedAt', openedAt, 'sealedAt', now, 'attempts', 0)
      ready[#ready + 1] = now
      ready[#ready + 1] = batchId
      events = events + count
    end
  end
  call_sliced('ZADD', READY, ready, 1, #ready)
  return #ready / 2, events
end

-- Parks a sealed batch as dead with its reason; its events leave the pending count.
local function park_dead(P, batchId, reason, now)
  local meta = P .. ':meta:' .. batchId
  redis.call('HSET', meta, 'lastError', reason, 'deadAt', now, 'owner', '', 'leaseUntil', 0)
  redis.call('ZREM', READY, batchId)
  redis.call('ZREM', INFLIGHT, batchId)
  redis.call('ZADD', DEAD, now, batchId)
  redis.call('DECRBY', PENDING, redis.call('LLEN', P .. ':sealed:' .. batchId))
end

-- Returns in-flight batches whose lease has expired to ready, or parks them as dead once their
-- attempts are used up. Returns the number handled.
local function reclaim_expired(P, now, maxAttempts, limit)
  local expired = redis.call('ZRANGE', INFLIGHT, '-inf', now, 'BYSCORE', 'LIMIT', 0, limit)
  for _, batchId in ipairs(expired) do
    local meta = P .. ':meta:' .. batchId
    local fields = redis.call('HMGET', meta, 'attempts', 'owner')
    local attempts = tonumber(fields[1]) or 0
    local reason = 'lease of ' .. (fields[2] or '?') .. ' expired on attempt ' .. attempts
    if attempts >= maxAttempts then
      park_dead(P, batchId, reason, now)
    else
      redis.call('HSET', meta, 'lastError', reason, 'owner', '', 'leaseUntil', 0)
      redis.call('ZREM', INFLIGHT, batchId)
      redis.call('ZADD', READY, now, batchId)
    end
  end
  return #expired
end

-- True when batchId is in flight under exactly this owner and lease token. The token ('fence') grows
-- with every claim and is never reset, so no earlier lease can match a later one.
local function holds_lease(P, batchId, owner, fence)
  if not redis.call('ZSCORE', INFLIGHT, batchId) then
    return false
  end
  local fields = redis.call('HMGET', P .. ':meta:' .. batchId, 'owner', 'fence')
  return fields[1] == owner and fields[2] == fence
end
