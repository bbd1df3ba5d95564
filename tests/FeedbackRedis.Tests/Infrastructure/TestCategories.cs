namespace FeedbackRedis.Tests;

/// <summary>The test categories (tests/README.md says what each needs).</summary>
public static class TestCategories
{
    /// <summary>Needs no server and no other process: <c>dotnet test --filter Category=Unit</c> runs on any machine.</summary>
    public const string Unit = "Unit";

    /// <summary>Starts service processes (consumers, flushers, the CLI, scripts) of its own.</summary>
    public const string Process = "Process";
}
