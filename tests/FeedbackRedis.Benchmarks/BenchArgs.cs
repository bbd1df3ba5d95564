using System.Globalization;

namespace FeedbackRedis.Benchmarks;

/// <summary><c>--name value</c> pairs with defaults; a bad value stops the bench with a clear message.</summary>
internal sealed class BenchArgs(Dictionary<string, string> values)
{
    public static BenchArgs Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected --name value pairs, got '{args[i]}'");
            }

            values[args[i][2..]] = args[++i];
        }

        return new BenchArgs(values);
    }

    /// <summary>Arguments built in code (the growth grid's points), checked as if they came from the command line.</summary>
    public static BenchArgs Of(params (string Name, object Value)[] pairs) =>
        new(pairs.ToDictionary(p => p.Name, p => Convert.ToString(p.Value, CultureInfo.InvariantCulture) ?? "", StringComparer.Ordinal));

    public string Text(string name, string fallback) => values.GetValueOrDefault(name, fallback);

    public int Number(string name, int fallback, int min, int max)
    {
        if (!values.TryGetValue(name, out var raw))
        {
            return fallback;
        }

        return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"--{name} must be a whole number from {min} to {max}; got '{raw}'");
    }
}
