using System.Buffers;

namespace FeedbackRedis.Items;

/// <summary>
/// Agent ids come from outside and become part of key names, so they are checked: 1 to 128 characters of
/// <c>A-Z a-z 0-9 _ - .</c>. That excludes <c>:</c> (the key separator), braces (Redis Cluster hash tags), glob
/// characters and <c>#</c>, which marks the global lanes (<c>#global-0</c> ...), so no id can forge or collide with
/// another key.
/// </summary>
public static class AgentIds
{
    /// <summary>The longest agent id accepted.</summary>
    public const int MaxLength = 128;

    /// <summary>The prefix of global-mode lanes; no valid agent id can start with it.</summary>
    public const string LanePrefix = "#global-";

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.");

    /// <summary>True when <paramref name="agentId"/> is a valid agent id.</summary>
    public static bool IsValid(string? agentId) =>
        !string.IsNullOrEmpty(agentId) && agentId.Length <= MaxLength && !agentId.AsSpan().ContainsAnyExcept(Allowed);

    /// <summary>Why <paramref name="agentId"/> is invalid, or null when it is valid.</summary>
    public static string? Explain(string? agentId)
    {
        if (string.IsNullOrEmpty(agentId))
        {
            return "agent id is missing or empty";
        }

        if (agentId.Length > MaxLength)
        {
            return $"agent id is {agentId.Length} characters long; at most {MaxLength} are allowed";
        }

        int bad = agentId.AsSpan().IndexOfAnyExcept(Allowed);
        return bad < 0
            ? null
            : $"agent id contains '{Printable(agentId[bad])}' at position {bad}; only A-Z, a-z, 0-9, '_', '-' and '.' are allowed";
    }

    /// <summary>True for a global-mode lane name (<c>#global-N</c>).</summary>
    public static bool IsLane(string member) => member.StartsWith(LanePrefix, StringComparison.Ordinal);

    /// <summary>The name of global lane <paramref name="lane"/>.</summary>
    public static string Lane(int lane) => LanePrefix + lane.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Printable(char c) => char.IsControl(c) || char.IsWhiteSpace(c) ? $"\\u{(int)c:x4}" : c.ToString();
}
