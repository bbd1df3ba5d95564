using System.Reflection;

namespace FeedbackRedis.Batching;

/// <summary>
/// The embedded Lua scripts (Batching/Scripts/*.lua), each joined after common.lua's helpers. They are run with
/// ScriptEvaluateAsync, which sends EVALSHA and reloads the script after a NOSCRIPT (failover, SCRIPT FLUSH).
/// </summary>
/// <remarks>
/// <para>At Redis's <c>maxmemory</c> (noeviction) only the scripts that take new events in are refused: append (the
/// consumer then holds its messages and pauses) and recount (a repair that may rebuild the guard). Every script that
/// moves work on toward the sink or frees memory is declared <c>#!lua flags=allow-oom</c> (Redis 7), so the flushers
/// keep sealing, claiming, renewing and acking at the limit, each ack frees memory, and the consumers' held appends go
/// through again: a full Redis drains instead of wedging (chaos row <c>redis-maxmemory</c>). Their writes at the
/// limit are small and bounded (a lease, a meta hash, an index entry per batch). A script without the flag is refused
/// only before its first write (Redis checks at the first write, and only when it was at the limit as the script
/// started), so no script is cut part-way by the limit.</para>
/// <para>A script with flags runs under Redis 7's stricter rules; the ones these meet: keys in one slot (every key of
/// a shard shares its hash tag), no undeclared key outside the shard's slot.</para>
/// </remarks>
internal static class RedisScripts
{
    public static readonly RedisScript Append = Load("append");
    public static readonly RedisScript SealDue = Load("seal_due", AllowOom);
    public static readonly RedisScript SealMember = Load("seal_member", AllowOom);
    public static readonly RedisScript Claim = Load("claim", AllowOom);
    public static readonly RedisScript Reclaim = Load("reclaim", AllowOom);
    public static readonly RedisScript Ack = Load("ack", AllowOom);
    public static readonly RedisScript Release = Load("release", AllowOom);
    public static readonly RedisScript Renew = Load("renew", AllowOom);
    public static readonly RedisScript Replay = Load("replay", AllowOom);
    public static readonly RedisScript Drop = Load("drop", AllowOom);
    public static readonly RedisScript Quarantine = Load("quarantine", AllowOom);
    public static readonly RedisScript Recount = Load("recount");

    /// <summary>The shebang line of a script that may run at <c>maxmemory</c> (it must be the source's first line).</summary>
    internal const string AllowOom = "#!lua flags=allow-oom";

    private static RedisScript Load(string name, string? shebang = null) =>
        new(name, (shebang is null ? "" : shebang + "\n") + Read("common") + "\n" + Read(name));

    private static string Read(string name)
    {
        var resource = $"FeedbackRedis.Scripts.{name}.lua";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded script {resource} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>A script's name (for metrics and logs) and its full source.</summary>
internal sealed record RedisScript(string Name, string Source);
