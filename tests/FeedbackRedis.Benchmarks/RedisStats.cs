using System.Globalization;
using StackExchange.Redis;

namespace FeedbackRedis.Benchmarks;

/// <summary>
/// What the benches read from redis-server itself, summed over every master (one, or a cluster's): used memory, and the
/// server's own time per command (INFO commandstats: EVALSHA is a whole script's time, the commands a script calls are
/// counted too), which a loaded client machine does not blur as much as wall-clock rates.
/// </summary>
internal static class RedisStats
{
    public static IServer[] Masters(IConnectionMultiplexer redis) =>
        [.. redis.GetServers().Where(s => s.IsConnected && !s.IsReplica)];

    public static async Task FlushAsync(IConnectionMultiplexer redis)
    {
        foreach (var server in Masters(redis))
        {
            await server.FlushDatabaseAsync();
        }
    }

    /// <summary>CONFIG RESETSTAT on every master: commandstats start from zero.</summary>
    public static async Task ResetAsync(IConnectionMultiplexer redis)
    {
        foreach (var server in Masters(redis))
        {
            await server.ConfigResetStatisticsAsync();
        }
    }

    public static async Task<long> UsedMemoryAsync(IConnectionMultiplexer redis)
    {
        long sum = 0;
        foreach (var server in Masters(redis))
        {
            sum += long.Parse(await InfoFieldAsync(server, "memory", "used_memory"), CultureInfo.InvariantCulture);
        }

        return sum;
    }

    /// <summary>Calls and microseconds per command since the last reset, summed over the masters.</summary>
    public static async Task<CommandStats> CommandsAsync(IConnectionMultiplexer redis)
    {
        var sum = new Dictionary<string, (long Calls, long Usec)>(StringComparer.Ordinal);
        var scriptUsecPerMaster = new List<(string, long)>();
        foreach (var server in Masters(redis))
        {
            long scripts = 0;
            foreach (var (name, value) in (await server.InfoAsync("commandstats")).SelectMany(g => g))
            {
                // cmdstat_evalsha: calls=12,usec=3456,usec_per_call=288.00,rejected_calls=0,failed_calls=0
                var fields = value.Split(',').Select(f => f.Split('=')).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
                string command = name.StartsWith("cmdstat_", StringComparison.Ordinal) ? name[8..] : name;
                long calls = long.Parse(fields["calls"], CultureInfo.InvariantCulture);
                long usec = long.Parse(fields["usec"], CultureInfo.InvariantCulture);
                var before = sum.GetValueOrDefault(command);
                sum[command] = (before.Calls + calls, before.Usec + usec);
                if (command is "evalsha" or "eval")
                {
                    scripts += usec;
                }
            }

            scriptUsecPerMaster.Add((server.EndPoint.ToString() ?? "?", scripts));
        }

        return new CommandStats(sum, scriptUsecPerMaster);
    }

    public static async Task<string> InfoFieldAsync(IServer server, string section, string field) =>
        (await server.InfoAsync(section)).SelectMany(g => g).First(kv => kv.Key == field).Value;
}

/// <summary>commandstats of one measured phase.</summary>
internal sealed record CommandStats(IReadOnlyDictionary<string, (long Calls, long Usec)> Commands, IReadOnlyList<(string Master, long Usec)> ScriptUsecPerMaster)
{
    /// <summary>Server time inside scripts (EVALSHA and EVAL), all masters.</summary>
    public long ScriptUsec => Commands.Where(c => c.Key is "evalsha" or "eval").Sum(c => c.Value.Usec);

    public long ScriptCalls => Commands.Where(c => c.Key is "evalsha" or "eval").Sum(c => c.Value.Calls);

    /// <summary>The commands scripts called, by server time, as "name calls/unit µs/unit" per <paramref name="per"/> units.</summary>
    public string Breakdown(double per, int top = 6) => string.Join(", ", Commands
        .Where(c => c.Key is not ("evalsha" or "eval" or "config" or "info" or "flushdb" or "ping" or "cluster" or "client" or "echo"))
        .OrderByDescending(c => c.Value.Usec).Take(top)
        .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value.Calls / per:0.###}×/{c.Value.Usec / per:0.00} µs")));
}
