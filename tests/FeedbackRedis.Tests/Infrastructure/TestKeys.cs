using System.Text;

namespace FeedbackRedis.Tests.Infrastructure;

public static class TestKeys
{
    /// <summary>Longest part of the test's name kept in a prefix.</summary>
    private const int MaxNameLength = 40;

    /// <summary>
    /// A key prefix of its own for the running test that names it: <c>t-&lt;test name&gt;-&lt;8 hex&gt;</c>, the name cut to
    /// letters, digits, '_' and '-' (no braces, so it never forms a hash tag), so a key left in Redis says which test
    /// wrote it.
    /// </summary>
    public static string Prefix()
    {
        string name = TestContext.CurrentContext?.Test?.MethodName ?? TestContext.CurrentContext?.Test?.Name ?? "test";
        var cut = new StringBuilder(MaxNameLength);
        foreach (char c in name)
        {
            if (cut.Length == MaxNameLength)
            {
                break;
            }

            cut.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        }

        return $"t-{cut}-{Guid.NewGuid().ToString("N")[..8]}";
    }
}
