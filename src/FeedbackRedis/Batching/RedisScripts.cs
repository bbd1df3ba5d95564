using System.Reflection;

namespace FeedbackRedis.Batching;

/// <summary>
/// The embedded Lua scripts (Batching/Scripts/*.lua), each joined after common.lua's helpers. They are run with
/// ScriptEvaluateAsync, which sends EVALSHA and reloads the script after a NOSCRIPT (failover, SCRIPT FLUSH).
/// </summary>
internal static class RedisScripts
{
    public static readonly string Append = Load("append");
    public static readonly string SealDue = Load("seal_due");
    public static readonly string SealMember = Load("seal_member");
    public static readonly string Claim = Load("claim");
    public static readonly string Reclaim = Load("reclaim");
    public static readonly string Ack = Load("ack");
    public static readonly string Release = Load("release");
    public static readonly string Renew = Load("renew");
    public static readonly string Replay = Load("replay");

    private static string Load(string name) => Read("common") + "\n" + Read(name);

    private static string Read(string name)
    {
        var resource = $"FeedbackRedis.Scripts.{name}.lua";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded script {resource} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
