namespace FeedbackRedis.Tests.Configuration;

/// <summary>The repository the tests were built from: the folder above the test binaries that holds FeedbackRedis.sln.</summary>
internal static class Repository
{
    private static readonly Lazy<string> Found = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FeedbackRedis.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("FeedbackRedis.sln not found above the test binaries");
    });

    public static string Root => Found.Value;

    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));
}
