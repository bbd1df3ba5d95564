using DotNet.Testcontainers.Builders;
using Testcontainers.MongoDb;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// A real MongoDB for the sink's integration tests: <c>FEEDBACK_TEST_MONGODB_URI</c> when set, else
/// Testcontainers.MongoDb where a Docker engine runs. With neither, each test is reported skipped with the reason
/// (<see cref="Assert.Ignore(string)"/>), never passed: no stand-in is ever presented as MongoDB.
/// </summary>
public static class MongoTestServer
{
    public const string UriVariable = "FEEDBACK_TEST_MONGODB_URI";

    private static readonly Lazy<Task<(string? Uri, string? Reason)>> Server = new(StartAsync);

    /// <summary>The connection string, or the test is ignored (skipped) with the reason.</summary>
    public static async Task<string> UriOrIgnoreAsync()
    {
        var (uri, reason) = await Server.Value;
        if (uri is null)
        {
            Assert.Ignore(reason!);
        }

        return uri!;
    }

    private static async Task<(string?, string?)> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(UriVariable) is { Length: > 0 } uri)
        {
            return (uri, null);
        }

        try
        {
            var container = new MongoDbBuilder("mongo:7.0").Build();
            await container.StartAsync();
            AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return (container.GetConnectionString(), null);
        }
        catch (Exception ex) when (ex is DockerUnavailableException || ex.GetType().Name.Contains("Docker", StringComparison.Ordinal))
        {
            return (null, $"needs a real MongoDB: set {UriVariable} or run where a Docker engine is available "
                + $"(Testcontainers: {ex.GetType().Name}). No MongoDB server can be installed on this machine (machine-notes).");
        }
    }
}
