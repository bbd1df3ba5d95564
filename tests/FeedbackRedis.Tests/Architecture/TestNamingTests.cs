using System.Reflection;
using System.Text.RegularExpressions;

namespace FeedbackRedis.Tests.Architecture;

/// <summary>
/// One naming dialect for tests (tests/README.md, "Names"): every test method, and every <c>TestName</c> a
/// <c>[TestCase]</c> gives, is <c>Subject_Scenario_Result</c>: two to four PascalCase segments joined by underscores
/// (<c>Append_ItemOverTheLimit_IsRefusedAlone</c>), never a snake sentence.
/// </summary>
[Category(TestCategories.Unit)]
public sealed partial class TestNamingTests
{
    [Test]
    public void EveryTest_OutsideTheExclusions_IsNamedSubjectScenarioResult()
    {
        var wrong = Violations(typeof(TestNamingTests).Assembly)
            .Select(v => v.Describe())
            .ToList();

        Assert.That(wrong, Is.Empty, () =>
            "tests/README.md, \"Names\": Subject_Scenario_Result in PascalCase words, 2 to 4 segments; these are not:\n  "
            + string.Join("\n  ", wrong));
    }

    [TestCase("Append_ItemOverTheLimit_IsRefusedAlone", true)]
    [TestCase("Decide_KeyNotInTheWindow_RecordNotReadYet_ReadsTheRecord", true)]
    [TestCase("Read_Works", true)]
    [TestCase("A_running_consumer_notices_Redis_lost_appends", false)]
    [TestCase("Append_itemOverTheLimit", false)]
    [TestCase("AppendRefusesAnItemOverTheLimit", false)]
    [TestCase("A_B_C_D_E", false)]
    [TestCase("Read bytes, a high surrogate", false)]
    [TestCase("Read__Twice", false)]
    public void Rule_TellsTheDialects_Apart(string name, bool follows)
    {
        Assert.That(Rule().IsMatch(name), Is.EqualTo(follows));
    }

    [Test]
    public void TheScan_FindsTestMethodsAndTestNames()
    {
        // The scan's own check: it must see [Test], [TestCase] (with its TestName) and [TestCaseSource] methods, or the
        // rule above would pass on an empty list.
        var names = TestNames(typeof(TestNamingTests)).Select(n => n.Name).ToList();

        Assert.That(names, Does.Contain(nameof(Rule_TellsTheDialects_Apart)));
        Assert.That(names, Does.Contain(nameof(TheScan_FindsTestMethodsAndTestNames)));
        Assert.That(TestNames(typeof(Sinks.MongoDb.AppliedGuardTests)).Select(n => n.Name),
            Does.Contain("Decide_KeyInTheWindow_IsApplied"), "a TestName string");
        Assert.That(TestNames(typeof(Configuration.SettingsTableTests)), Is.Not.Empty, "a [TestCaseSource] fixture");
    }

    private sealed record NamedTest(Type Fixture, string Method, string Name)
    {
        public string Describe() => Method == Name ? $"{Fixture.Name}.{Method}" : $"{Fixture.Name}.{Method} (TestName \"{Name}\")";
    }

    private static IEnumerable<NamedTest> Violations(Assembly assembly) =>
        assembly.GetTypes()
            .SelectMany(TestNames)
            .Where(n => !Rule().IsMatch(n.Name));

    /// <summary>Each test method's name, and each TestName its [TestCase]s give.</summary>
    private static IEnumerable<NamedTest> TestNames(Type fixture)
    {
        const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance
            | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var method in fixture.GetMethods(Declared))
        {
            bool isTest = method.IsDefined(typeof(TestAttribute))
                || method.IsDefined(typeof(TestCaseAttribute))
                || method.IsDefined(typeof(TestCaseSourceAttribute));
            if (!isTest)
            {
                continue;
            }

            yield return new NamedTest(fixture, method.Name, method.Name);
            foreach (var testCase in method.GetCustomAttributes<TestCaseAttribute>().Where(c => c.TestName is not null))
            {
                yield return new NamedTest(fixture, method.Name, testCase.TestName!);
            }
        }
    }

    [GeneratedRegex("^[A-Z][A-Za-z0-9]*(_[A-Z][A-Za-z0-9]*){1,3}$")]
    private static partial Regex Rule();
}
