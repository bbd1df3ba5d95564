namespace FeedbackRedis.Tests.Configuration;

/// <summary>
/// Every file with parts made from the settings table holds what <see cref="SettingsDocuments"/> makes of the table
/// now. With <c>FEEDBACK_SETTINGS_WRITE=1</c> (<c>scripts/settings-docs.sh</c>) the files are rewritten instead.
/// </summary>
public sealed class SettingsDocumentsTests
{
    private static readonly bool Write = Environment.GetEnvironmentVariable("FEEDBACK_SETTINGS_WRITE") == "1";

    private static IEnumerable<string> Files() => SettingsDocuments.Files;

    [TestCaseSource(nameof(Files))]
    public void GeneratedParts_AreMadeFromTheTableAsItIs(string file)
    {
        string path = Path.Combine(Repository.Root, file);
        string text = File.ReadAllText(path);
        string rendered = SettingsDocuments.Render(file, text);
        if (Write && rendered != text)
        {
            File.WriteAllText(path, rendered);
            Assert.Inconclusive($"{file} rewritten from the settings table (FEEDBACK_SETTINGS_WRITE=1: a generator run, not a check)");
        }

        Assert.That(rendered, Is.EqualTo(text), () => $"{file} differs from the settings table ({SettingsDocuments.Source}) at: "
            + FirstDifference(text, rendered) + "\nRun scripts/settings-docs.sh to regenerate it.");
    }

    [Test]
    public void EveryDocument_HoldsTheTablesItMust()
    {
        Assert.Multiple(() =>
        {
            foreach (var (file, views) in SettingsDocuments.MarkdownViews)
            {
                Assert.That(SettingsDocuments.ViewsIn(File.ReadAllText(Path.Combine(Repository.Root, file))), Is.EqualTo(views), file);
            }
        });
    }

    private static string FirstDifference(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            string left = i < a.Length ? a[i] : "(end of file)";
            string right = i < b.Length ? b[i] : "(end of file)";
            if (left != right)
            {
                return $"line {i + 1}\n  file:  {left}\n  table: {right}";
            }
        }

        return "(no line differs)";
    }
}
