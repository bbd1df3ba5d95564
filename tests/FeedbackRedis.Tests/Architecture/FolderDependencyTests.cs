using System.Text.RegularExpressions;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.Architecture;

/// <summary>
/// The library's folders depend on each other in one direction only (docs/ARCHITECTURE.md, "Code layout"): a folder may
/// use the folders before it in <see cref="Layers"/>, never one after it. Each folder is one namespace
/// (<c>FeedbackRedis.&lt;Folder&gt;</c>), and sibling namespaces can only be reached by a <c>using</c> or a qualified
/// name, so reading <c>FeedbackRedis.&lt;Folder&gt;</c> in the source finds every cross-folder use.
/// </summary>
[Category(TestCategories.Unit)]
public sealed partial class FolderDependencyTests
{
    /// <summary>Lowest first.</summary>
    private static readonly string[] Layers =
        ["Configuration", "Diagnostics", "Items", "Kafka", "Batching", "Sinks", "Ingestion", "Flushing", "Control", "Hosting"];

    private static string Library => Path.Combine(Repository.Root, "src", "FeedbackRedis");

    [Test]
    public void EveryFolderOfTheLibrary_IsALayer()
    {
        var folders = Directory.GetDirectories(Library).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).Order();

        Assert.That(folders, Is.EquivalentTo(Layers), "a new folder needs its place in the layers (and in docs/ARCHITECTURE.md)");
    }

    [Test]
    public void EveryFile_DeclaresTheNamespaceOfItsFolder()
    {
        var wrong = Sources()
            .Where(s => NamespacePattern().Match(File.ReadAllText(s.Path)) is not { Success: true } m
                || !(m.Groups[1].Value == "FeedbackRedis." + s.Folder || m.Groups[1].Value.StartsWith("FeedbackRedis." + s.Folder + ".", StringComparison.Ordinal)))
            .Select(s => Path.GetRelativePath(Library, s.Path))
            .ToList();

        Assert.That(wrong, Is.Empty, "the dependency scan relies on folder = namespace");
    }

    [Test]
    public void NoFolder_UsesAFolderAboveIt()
    {
        var upward = new List<string>();
        foreach (var (path, folder) in Sources())
        {
            int layer = Array.IndexOf(Layers, folder);
            foreach (Match use in UsePattern().Matches(File.ReadAllText(path)))
            {
                string target = use.Groups[1].Value;
                int targetLayer = Array.IndexOf(Layers, target);
                if (targetLayer > layer)
                {
                    upward.Add($"{Path.GetRelativePath(Library, path)} uses {target} ({folder} is below it)");
                }
            }
        }

        Assert.That(upward.Distinct(), Is.Empty);
    }

    [Test]
    public void TheScan_FindsAnUpwardUse_WhenThereIsOne()
    {
        // The scan's own check: a Batching file naming Flushing must be reported.
        const string source = "using FeedbackRedis.Flushing;\nnamespace FeedbackRedis.Batching;\n";

        var uses = UsePattern().Matches(source).Select(m => m.Groups[1].Value);

        Assert.That(uses, Does.Contain("Flushing"));
    }

    private static IEnumerable<(string Path, string Folder)> Sources() =>
        Layers.SelectMany(folder => Directory
            .EnumerateFiles(Path.Combine(Library, folder), "*.cs", SearchOption.AllDirectories)
            .Select(path => (path, folder)));

    [GeneratedRegex(@"\bFeedbackRedis\.([A-Z][A-Za-z]*)\b")]
    private static partial Regex UsePattern();

    [GeneratedRegex(@"(?m)^namespace ([A-Za-z.]+)\s*[;{]")]
    private static partial Regex NamespacePattern();
}
