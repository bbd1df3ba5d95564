namespace FeedbackRedis.Fuzz;

/// <summary>A property the target checks does not hold for the input: AFL records the input as a crash.</summary>
internal sealed class PropertyViolation : Exception
{
    public PropertyViolation()
    {
    }

    public PropertyViolation(string message)
        : base(message)
    {
    }

    public PropertyViolation(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Throws unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    public static void Expect<T>(T actual, T expected, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(actual, expected))
        {
            throw new PropertyViolation($"{what}: expected {Show(expected)}, got {Show(actual)}");
        }
    }

    /// <summary>Throws unless <paramref name="condition"/> holds.</summary>
    public static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new PropertyViolation(what);
        }
    }

    private static string Show<T>(T value) => value is null ? "null" : $"'{value}'";
}
