using CsCheck;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// The seed a property test starts from: <c>FEEDBACK_TEST_SEED</c> when set (to replay a run), else a fresh one. Always
/// printed, so a failing CI run can be repeated; CsCheck also prints the seed of the failing case itself, which
/// replays it alone (set it as <c>FEEDBACK_TEST_SEED</c> with the iteration count at 1).
/// </summary>
public static class PropertySeed
{
    public static string Next(string property)
    {
        string seed = Environment.GetEnvironmentVariable("FEEDBACK_TEST_SEED") is { Length: > 0 } given
            ? given
            : new PCG((uint)Random.Shared.Next(), (ulong)Random.Shared.NextInt64()).ToString();
        TestContext.Out.WriteLine($"{property}: seed {seed} (replay with FEEDBACK_TEST_SEED={seed})");
        return seed;
    }

    /// <summary>Iterations per property: <c>FEEDBACK_TEST_ITERATIONS</c>, else <paramref name="standard"/>.</summary>
    public static long Iterations(long standard) =>
        long.TryParse(Environment.GetEnvironmentVariable("FEEDBACK_TEST_ITERATIONS"), out long n) && n > 0 ? n : standard;
}
