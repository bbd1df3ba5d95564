namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>The repository the tests were built from: found above the test binaries by its solution and Dockerfile.</summary>
internal static class Repository
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FeedbackRedis.sln")) && File.Exists(Path.Combine(dir.FullName, "Dockerfile")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no FeedbackRedis.sln with a Dockerfile above {AppContext.BaseDirectory}");
    });

    public static string Root => RootPath.Value;
}
