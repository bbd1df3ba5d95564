-- reclaim.lua: returns in-flight batches whose lease has expired to ready, or parks them as dead
-- when that was their last attempt. (claim.lua does the same before it claims.)
-- KEYS[1] = P:deadlines; KEYS[1 .. 13] = the shard's fixed keys, in KeySchema.ShardKeys order (common.lua)
-- ARGV[1] = P, the shard's key prefix
-- ARGV[2] = now in ms, or '' to use the Redis server clock (TIME)
-- ARGV[3] = max attempts
-- ARGV[4] = the most batches to handle in this call
-- returns the number of expired leases handled
return reclaim_expired(ARGV[1], clock(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]))
