using System.Reflection;
using System.Text.RegularExpressions;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Tests.Batching;

/// <summary>Every script is documented where it is read: a header naming its KEYS, its ARGV and what it returns.</summary>
[Category(TestCategories.Unit)]
public sealed partial class RedisScriptsTests
{
    private static IEnumerable<RedisScript> Scripts() =>
        typeof(RedisScripts).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(RedisScript))
            .Select(f => (RedisScript)f.GetValue(null)!);

    [Test]
    public void EmbeddedScripts_AreAllLoaded()
    {
        var embedded = typeof(RedisScripts).Assembly.GetManifestResourceNames()
            .Where(n => n.EndsWith(".lua", StringComparison.Ordinal) && !n.EndsWith(".common.lua", StringComparison.Ordinal))
            .Select(n => n.Split('.')[^2]);

        Assert.That(Scripts().Select(s => s.Name), Is.EquivalentTo(embedded));
    }

    private static IEnumerable<string> ScriptNames() => Scripts().Select(s => s.Name);

    [TestCaseSource(nameof(ScriptNames))]
    public void Header_OfEachScript_NamesKeysArgvAndReturns(string name)
    {
        var script = Scripts().Single(s => s.Name == name);
        string own = script.Source[(script.Source.IndexOf($"-- {script.Name}.lua:", StringComparison.Ordinal) is var at and >= 0 ? at : 0)..];
        string header = string.Join('\n', own.Split('\n').TakeWhile(line => line.StartsWith("--", StringComparison.Ordinal)));

        Assert.Multiple(() =>
        {
            Assert.That(header, Does.StartWith($"-- {script.Name}.lua: "), "the header opens with the script's name and purpose");
            Assert.That(header, Does.Contain("-- KEYS[1] = "));
            Assert.That(header, Does.Contain("-- ARGV[1] = "));
            Assert.That(header, Does.Match(@"-- returns "));
        });
        var used = ArgvUse().Matches(own).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct();
        foreach (int n in used)
        {
            Assert.That(header, Does.Contain($"ARGV[{n}]").Or.Match($@"ARGV\[\d+ \.\."), $"{script.Name}.lua reads ARGV[{n}]: the header says what it is");
        }
    }

    [GeneratedRegex(@"ARGV\[(\d+)\]")]
    private static partial Regex ArgvUse();
}
