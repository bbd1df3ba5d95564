using FeedbackRedis.Items;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using StackExchange.Redis;

namespace FeedbackRedis.Batching;

/// <summary>
/// Every key name FeedbackRedis uses, in one place (the Lua scripts build the same names from the shard prefix that
/// this class hands them). With prefix <c>feedback</c>, standalone layout:
/// <code>
/// feedback:batch:&lt;member&gt;      LIST   open batch items (JSON), arrival order; member = agent id or #global-N
/// feedback:guard                 SET    event ids appended and not yet acked (duplicate guard)
/// feedback:deadlines             ZSET   member -> deadline (ms since epoch)
/// feedback:seq                   STRING batch sequence
/// feedback:sealed:&lt;batchId&gt;    LIST   sealed batch items; batchId = &lt;member&gt;:&lt;seq&gt;
/// feedback:meta:&lt;batchId&gt;      HASH   member, trigger, count, openedAt, sealedAt, attempts, fence, owner, leaseUntil, lastError, ...
/// feedback:ready                 ZSET   batchId -> claimable from (ms)
/// feedback:inflight              ZSET   batchId -> lease expiry (ms)
/// feedback:dead                  ZSET   batchId -> parked at (ms)
/// feedback:open-events           STRING events in open batches
/// feedback:pending               STRING events in open, ready and in-flight batches
/// feedback:offsets               HASH   '&lt;topic&gt;/&lt;partition&gt;' -> highest Kafka offset taken in
/// feedback:slot-probe            (never written: declared by every script, see <see cref="ShardKeys"/>)
/// feedback:policy                HASH   member -> per-agent batch policy 'batch_size=N;batch_time_ms=N;max_bytes=N' (each part optional)
/// feedback:open-bytes            HASH   member -> item bytes of its open batch (kept while a byte limit applies to it)
/// feedback:opened                HASH   member -> '&lt;openedAt&gt;:&lt;hardMax&gt;' of its open batch (kept when its deadline is not openedAt + FEEDBACK_BATCH_TIME_MS)
/// </code>
/// The cluster layout (<see cref="BatchingOptions.RedisShards"/> &gt; 0) puts each shard's keys under
/// <c>feedback:{N}</c> so that every key one script touches shares a hash slot; a member's shard is a hash of it.
/// </summary>
public sealed class KeySchema
{
    private readonly string _prefix;
    private readonly string[] _shardPrefixes;
    private readonly string[] _shardLanes;

    public KeySchema(string prefix, int redisShards)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(redisShards);
        _prefix = prefix;
        RedisShards = redisShards;
        _shardPrefixes = redisShards == 0
            ? [prefix]
            : [.. Enumerable.Range(0, redisShards).Select(s => $"{prefix}:{{{s.ToString(CultureInfo.InvariantCulture)}}}")];
        _shardLanes = new string[_shardPrefixes.Length];
        for (int lane = 0, found = 0; found < _shardLanes.Length; lane++)
        {
            string name = AgentIds.Lane(lane);
            if (_shardLanes[ShardOf(name)] is null)
            {
                _shardLanes[ShardOf(name)] = name;
                found++;
            }
        }
    }

    /// <summary>0 for the standalone layout, else the number of cluster shards.</summary>
    public int RedisShards { get; }

    /// <summary>The shards to visit: one in the standalone layout.</summary>
    public int ShardCount => _shardPrefixes.Length;

    /// <summary>The key prefix of shard <paramref name="shard"/> (ARGV[1] of every script).</summary>
    public string ShardPrefix(int shard) => _shardPrefixes[shard];

    /// <summary>
    /// The global lane whose batches live in <paramref name="shard"/>: the lowest-numbered <c>#global-N</c> that maps
    /// there. In hybrid mode it owns the batches the global trigger combines from many agents.
    /// </summary>
    public string ShardLane(int shard) => _shardLanes[shard];

    /// <summary>The shard that holds <paramref name="member"/>'s batches.</summary>
    public int ShardOf(string member) =>
        RedisShards == 0 ? 0 : (int)(XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(member)) % (uint)RedisShards);

    /// <summary>The member (agent id or lane) a batch id belongs to: everything before its last ':'.</summary>
    public static string MemberOf(string batchId)
    {
        int colon = batchId.LastIndexOf(':');
        return colon > 0 ? batchId[..colon] : batchId;
    }

    public RedisKey OpenBatch(string member) => $"{Prefix(member)}:batch:{member}";

    public RedisKey Sealed(string batchId) => $"{Prefix(MemberOf(batchId))}:sealed:{batchId}";

    public RedisKey Meta(string batchId) => $"{Prefix(MemberOf(batchId))}:meta:{batchId}";

    public RedisKey Deadlines(int shard) => $"{_shardPrefixes[shard]}:deadlines";

    public RedisKey Ready(int shard) => $"{_shardPrefixes[shard]}:ready";

    public RedisKey Inflight(int shard) => $"{_shardPrefixes[shard]}:inflight";

    public RedisKey Dead(int shard) => $"{_shardPrefixes[shard]}:dead";

    public RedisKey OpenEvents(int shard) => $"{_shardPrefixes[shard]}:open-events";

    public RedisKey Pending(int shard) => $"{_shardPrefixes[shard]}:pending";

    public RedisKey Guard(int shard) => $"{_shardPrefixes[shard]}:guard";

    public RedisKey Sequence(int shard) => $"{_shardPrefixes[shard]}:seq";

    public RedisKey Offsets(int shard) => $"{_shardPrefixes[shard]}:offsets";

    /// <summary>A key that never exists; every script declares it (see <see cref="ShardKeys"/>).</summary>
    public RedisKey SlotProbe(int shard) => $"{_shardPrefixes[shard]}:slot-probe";

    /// <summary>The shard's per-agent batch policies (HASH member -> <c>batch_size=N;batch_time_ms=N;max_bytes=N</c>).</summary>
    public RedisKey Policy(int shard) => $"{_shardPrefixes[shard]}:policy";

    /// <summary>Item bytes of each open batch a byte limit applies to (HASH member -> bytes).</summary>
    public RedisKey OpenBytes(int shard) => $"{_shardPrefixes[shard]}:open-bytes";

    /// <summary>
    /// When each open batch opened and its hard deadline, for batches whose deadline is not openedAt + the batch time
    /// (grace on, or a per-agent batch time): HASH member -> <c>&lt;openedAt&gt;:&lt;hardMax&gt;</c>.
    /// </summary>
    public RedisKey Opened(int shard) => $"{_shardPrefixes[shard]}:opened";

    /// <summary>How many fixed keys <see cref="ShardKeys"/> puts first (common.lua reads them by position).</summary>
    public const int FixedKeyCount = 13;

    /// <summary>
    /// The KEYS of a script call on <paramref name="shard"/>: the shard's fixed keys in the order common.lua names them
    /// (deadlines, guard, seq, ready, inflight, dead, open-events, pending, offsets, slot-probe, policy, open-bytes, opened), then
    /// <paramref name="own"/> (the call's open lists or batch keys). Declaring every key lets Redis Cluster route the call
    /// or refuse it before it runs; the slot probe, which never exists, makes a node whose slot is migrating refuse it
    /// (TRYAGAIN or ASK), so no script runs part-way while its keys move.
    /// </summary>
    public RedisKey[] ShardKeys(int shard, params ReadOnlySpan<RedisKey> own)
    {
        var keys = new RedisKey[FixedKeyCount + own.Length];
        keys[0] = Deadlines(shard);
        keys[1] = Guard(shard);
        keys[2] = Sequence(shard);
        keys[3] = Ready(shard);
        keys[4] = Inflight(shard);
        keys[5] = Dead(shard);
        keys[6] = OpenEvents(shard);
        keys[7] = Pending(shard);
        keys[8] = Offsets(shard);
        keys[9] = SlotProbe(shard);
        keys[10] = Policy(shard);
        keys[11] = OpenBytes(shard);
        keys[12] = Opened(shard);
        own.CopyTo(keys.AsSpan(FixedKeyCount));
        return keys;
    }

    /// <summary>The KEYS of a script call about one sealed batch: the fixed keys, its sealed list and its meta hash.</summary>
    public RedisKey[] BatchKeys(string batchId) => ShardKeys(ShardOf(MemberOf(batchId)), Sealed(batchId), Meta(batchId));

    /// <summary>The field of <see cref="Offsets"/> for one Kafka partition.</summary>
    public static string OffsetField(string topic, int partition) =>
        $"{topic}/{partition.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A pattern matching every key of this prefix (for SCAN in tests and tools).</summary>
    public string AllKeysPattern => $"{_prefix}:*";

    private string Prefix(string member) => _shardPrefixes[ShardOf(member)];
}
