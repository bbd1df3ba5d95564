using System.Text.Json;
using StackExchange.Redis;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>Reads every item under a key prefix, open and sealed, as an on-call engineer would with redis-cli.</summary>
public static class RedisItems
{
    /// <summary>How many times each event id appears in open (<c>P:batch:*</c>) and sealed (<c>P:sealed:*</c>) batches.</summary>
    public static async Task<Dictionary<string, int>> EventIdCountsAsync(IConnectionMultiplexer redis, string prefix)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in await ItemsAsync(redis, prefix))
        {
            string id = JsonDocument.Parse(item).RootElement.GetProperty("eventId").GetString()!;
            counts[id] = counts.GetValueOrDefault(id) + 1;
        }

        return counts;
    }

    /// <summary>Every item, open and sealed.</summary>
    public static async Task<List<string>> ItemsAsync(IConnectionMultiplexer redis, string prefix)
    {
        var server = redis.GetServers()[0];
        var db = redis.GetDatabase();
        var items = new List<string>();
        foreach (string pattern in new[] { $"{prefix}:batch:*", $"{prefix}:sealed:*" })
        {
            // SCAN may return a key more than once (while the keyspace rehashes): read each key once
            var keys = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var key in server.KeysAsync(pattern: pattern, pageSize: 1000))
            {
                keys.Add(key!);
            }

            foreach (string key in keys)
            {
                items.AddRange((await db.ListRangeAsync(key)).Select(v => (string)v!));
            }
        }

        return items;
    }

    /// <summary>The engine's pending-events counter (open, ready and in-flight events) for the standalone layout.</summary>
    public static async Task<long> PendingAsync(IConnectionMultiplexer redis, string prefix)
    {
        var value = await redis.GetDatabase().StringGetAsync($"{prefix}:pending");
        return value.IsNullOrEmpty ? 0 : (long)value;
    }
}
