using System.Globalization;
using StackExchange.Redis;

namespace FeedbackRedis.Batching;

/// <summary>Argument shapes and reply values several scripts (and the store's reads) share.</summary>
internal static class ScriptValues
{
    /// <summary>A script's arguments: <paramref name="head"/>, then the event ids it releases from the guard.</summary>
    public static RedisValue[] ThenIds(RedisValue[] head, IReadOnlyList<string> ids)
    {
        var args = new RedisValue[head.Length + ids.Count];
        head.CopyTo(args, 0);
        for (int i = 0; i < ids.Count; i++)
        {
            args[head.Length + i] = ids[i];
        }

        return args;
    }

    public static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>A number Redis stored as text (0 when absent).</summary>
    public static long ParseLong(RedisValue value) =>
        value.IsNullOrEmpty ? 0 : long.Parse((string)value!, NumberStyles.Float, CultureInfo.InvariantCulture);
}
