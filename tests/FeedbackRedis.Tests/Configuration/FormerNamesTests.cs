using FeedbackRedis.Batching;
using FeedbackRedis.Configuration;
using FeedbackRedis.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Tests.Configuration;

/// <summary>Renamed variables (<see cref="Setting.FormerEnv"/>) keep working for one release, and say so.</summary>
[Category(TestCategories.Unit)]
public sealed class FormerNamesTests
{
    private static BatchingOptions Resolve(Dictionary<string, string?> environment) => FeedbackEnvironmentTests.Resolve(environment);

    [Test]
    public void FormerName_AloneSet_SetsTheRenamedSetting()
    {
        var options = Resolve(new() { ["FEEDBACK_GLOBAL_SHARDS"] = "5", ["FEEDBACK_GLOBAL_BATCH_SIZE"] = "900" });

        Assert.Multiple(() =>
        {
            Assert.That(options.GlobalLanes, Is.EqualTo(5));
            Assert.That(options.GlobalTrigger, Is.EqualTo(900));
        });
    }

    [Test]
    public void NewName_Set_SetsTheSettingAndNoFormerNameIsReported()
    {
        var environment = new Dictionary<string, string?> { ["FEEDBACK_GLOBAL_LANES"] = "3", ["FEEDBACK_GLOBAL_TRIGGER"] = "800" };

        var options = Resolve(environment);

        Assert.Multiple(() =>
        {
            Assert.That(options.GlobalLanes, Is.EqualTo(3));
            Assert.That(options.GlobalTrigger, Is.EqualTo(800));
            Assert.That(FeedbackEnvironment.FormerNamesUsed(environment), Is.Empty);
        });
    }

    [Test]
    public void BothNames_SameValue_AreAccepted()
    {
        var options = Resolve(new() { ["FEEDBACK_GLOBAL_LANES"] = "6", ["FEEDBACK_GLOBAL_SHARDS"] = " 6 " });

        Assert.That(options.GlobalLanes, Is.EqualTo(6));
    }

    [Test]
    public void BothNames_DifferentValues_StopStartUpNamingBoth()
    {
        var environment = new Dictionary<string, string?> { ["FEEDBACK_GLOBAL_LANES"] = "6", ["FEEDBACK_GLOBAL_SHARDS"] = "7" };

        var error = Assert.Throws<FeedbackConfigurationException>(() => new ConfigurationBuilder().AddFeedbackEnvironment(environment));

        Assert.That(error!.Message, Is.EqualTo(
            "FEEDBACK_GLOBAL_LANES='6' and its former name FEEDBACK_GLOBAL_SHARDS='7' are both set, to different values; set only FEEDBACK_GLOBAL_LANES."));
    }

    [Test]
    public void FormerName_WrongType_IsRefusedNamingTheVariableThatWasSet()
    {
        var environment = new Dictionary<string, string?> { ["FEEDBACK_GLOBAL_BATCH_SIZE"] = "many" };

        var error = Assert.Throws<FeedbackConfigurationException>(() => new ConfigurationBuilder().AddFeedbackEnvironment(environment));

        Assert.That(error!.Message, Is.EqualTo("FEEDBACK_GLOBAL_BATCH_SIZE='many' is not a whole number."));
    }

    [Test]
    public void FormerNamesUsed_ListsEachFormerNameWithItsCurrentName()
    {
        var used = FeedbackEnvironment.FormerNamesUsed(new Dictionary<string, string?>
        {
            ["FEEDBACK_GLOBAL_SHARDS"] = "2",
            ["FEEDBACK_GLOBAL_BATCH_SIZE"] = "100",
            ["FEEDBACK_BATCH_SIZE"] = "10",
        });

        Assert.That(used, Is.EquivalentTo(new[] { ("FEEDBACK_GLOBAL_SHARDS", "FEEDBACK_GLOBAL_LANES"), ("FEEDBACK_GLOBAL_BATCH_SIZE", "FEEDBACK_GLOBAL_TRIGGER") }));
    }

    [Test]
    public void FormerNames_AreNoCurrentNameAndDifferFromEachOther()
    {
        var current = FeedbackEnvironment.Names.ToHashSet(StringComparer.Ordinal);
        var former = FeedbackSettings.All.Where(s => s.FormerEnv is not null).Select(s => s.FormerEnv!).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(former, Is.Not.Empty);
            Assert.That(former.Where(current.Contains), Is.Empty, "a former name is also a current name");
            Assert.That(former, Is.Unique);
        });
    }

    [Test]
    public async Task FormerNamesNotice_AtStart_WarnsOncePerFormerName()
    {
        var logger = new RecordingLogger();
        var notice = new FormerNamesNotice(logger, [("FEEDBACK_GLOBAL_SHARDS", "FEEDBACK_GLOBAL_LANES")]);

        await notice.StartAsync(CancellationToken.None);

        Assert.That(logger.Lines, Is.EqualTo(new[]
        {
            "Warning 16 FEEDBACK_GLOBAL_SHARDS is the former name of FEEDBACK_GLOBAL_LANES: its value is used in this release, and the name goes in the next; rename it",
        }));
    }

    private sealed class RecordingLogger : ILogger<FormerNamesNotice>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add($"{logLevel} {eventId.Id} {formatter(state, exception)}");
    }
}
