using System.Globalization;
using StackExchange.Redis;

namespace FeedbackRedis.Benchmarks;

/// <summary>
/// How redis-server holds one key: type, encoding (OBJECT ENCODING), length, exact size (MEMORY USAGE … SAMPLES 0), and
/// for a list its quicklist nodes (DEBUG OBJECT, when the server allows DEBUG: <c>--enable-debug-command local</c>).
/// </summary>
internal static class RedisInspect
{
    public static async Task<string> DescribeAsync(IDatabase db, RedisKey key) => $"`{key}`: {await HowAsync(db, key)}";

    /// <summary>As <see cref="DescribeAsync"/>, without the key's name.</summary>
    public static async Task<string> HowAsync(IDatabase db, RedisKey key)
    {
        string type = await db.KeyTypeAsync(key) switch
        {
            RedisType.List => "list",
            RedisType.Set => "set",
            RedisType.SortedSet => "zset",
            RedisType.Hash => "hash",
            RedisType.String => "string",
            RedisType.None => "none",
            var other => other.ToString().ToLowerInvariant(),
        };
        if (type == "none")
        {
            return "none";
        }

        string encoding = (string?)await db.ExecuteAsync("OBJECT", "ENCODING", key) ?? "?";
        long bytes = (long)await db.ExecuteAsync("MEMORY", "USAGE", key, "SAMPLES", 0);
        long length = type switch
        {
            "list" => await db.ListLengthAsync(key),
            "set" => await db.SetLengthAsync(key),
            "zset" => await db.SortedSetLengthAsync(key),
            "hash" => await db.HashLengthAsync(key),
            _ => 1,
        };
        string nodes = "";
        if (type == "list")
        {
            try
            {
                string debug = (string?)await db.ExecuteAsync("DEBUG", "OBJECT", key) ?? "";
                string? count = debug.Split(' ').FirstOrDefault(f => f.StartsWith("ql_nodes:", StringComparison.Ordinal));
                nodes = count is null ? "" : $", {count[9..]} quicklist nodes";
            }
            catch (RedisServerException)
            {
                nodes = ""; // DEBUG not enabled on this server
            }
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"{type}/{encoding}, {length:N0} entries, {bytes:N0} B ({bytes / (double)Math.Max(1, length):0.0} B per entry){nodes}");
    }
}
