using System.Reflection;

namespace FeedbackRedis.Batching;

/// <summary>
/// The embedded Lua scripts (Batching/Scripts/*.lua), each joined after common.lua's helpers. They are run with
/// ScriptEvaluateAsync, which sends EVALSHA and reloads the script after a NOSCRIPT (failover, SCRIPT FLUSH).
/// </summary>
internal static class RedisScripts
{
    public static readonly RedisScript Append = Load("append");
    public static readonly RedisScript SealDue = Load("seal_due");
    public static readonly RedisScript SealMember = Load("seal_member");
    public static readonly RedisScript Claim = Load("claim");
    public static readonly RedisScript Reclaim = Load("reclaim");
    public static readonly RedisScript Ack = Load("ack");
    public static readonly RedisScript Release = Load("release");
    public static readonly RedisScript Renew = Load("renew");
    public static readonly RedisScript Replay = Load("replay");
    public static readonly RedisScript Drop = Load("drop");
    public static readonly RedisScript Quarantine = Load("quarantine");
    public static readonly RedisScript Recount = Load("recount");

    private static RedisScript Load(string name) => new(name, Read("common") + "\n" + Read(name));

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
