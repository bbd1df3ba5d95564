using System.Collections.Concurrent;
using System.Text;

namespace FeedbackRedis.Diagnostics;

/// <summary>Label values are kebab-case: <c>redis-unavailable</c>, <c>msg-size-too-large</c>, <c>seal-due</c>.</summary>
public static class LabelValues
{
    /// <summary>The kebab-case label of an enum value (cached per value): <c>HighWater</c> gives <c>high-water</c>.</summary>
    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum => Cache<TEnum>.Labels.GetOrAdd(value, v => Kebab(v.ToString()));

    /// <summary>
    /// <c>PascalCase</c>, <c>snake_case</c> or <c>Mixed_Case</c> as kebab-case: a word starts at an upper-case letter after
    /// a lower-case one or a digit, at the last capital of a run followed by a lower-case letter (<c>SASLAuth</c> gives
    /// <c>sasl-auth</c>), and at every <c>_</c>, <c>.</c>, space or <c>-</c>. Other characters are dropped.
    /// </summary>
    public static string Kebab(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var text = new StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (c is '_' or '.' or ' ' or '-')
            {
                Separate(text);
            }
            else if (char.IsAsciiLetterUpper(c))
            {
                char before = i > 0 ? name[i - 1] : '\0';
                bool nextLower = i + 1 < name.Length && char.IsAsciiLetterLower(name[i + 1]);
                if (char.IsAsciiLetterLower(before) || char.IsAsciiDigit(before) || (char.IsAsciiLetterUpper(before) && nextLower))
                {
                    Separate(text);
                }

                text.Append(char.ToLowerInvariant(c));
            }
            else if (char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))
            {
                text.Append(c);
            }
        }

        return text.ToString().TrimEnd('-');
    }

    private static void Separate(StringBuilder text)
    {
        if (text.Length > 0 && text[^1] != '-')
        {
            text.Append('-');
        }
    }

    private static class Cache<TEnum>
        where TEnum : struct, Enum
    {
        public static readonly ConcurrentDictionary<TEnum, string> Labels = new();
    }
}
