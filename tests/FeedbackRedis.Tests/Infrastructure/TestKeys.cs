namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>Per-test key prefixes, so tests sharing a Redis never collide.</summary>
public static class TestKeys
{
    public static string Prefix() => "t" + Guid.NewGuid().ToString("N")[..12];
}
