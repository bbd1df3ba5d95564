using FeedbackRedis.Batching;
using FeedbackRedis.Configuration;
using FeedbackRedis.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Tests.Configuration;

/// <summary>
/// Renamed variables (<see cref="Setting.FormerEnv"/>) and configuration paths (<see cref="Setting.FormerPath"/>) keep
/// working for one release, and say so.
/// </summary>
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

    [Test]
    public async Task FormerPath_AloneSet_SetsTheRenamedSettingAndWarns()
    {
        var configuration = Paths(new() { ["Feedback:Batching:GlobalShards"] = "5", ["Feedback:Batching:GlobalBatchSize"] = "900" });

        configuration.AddFormerPaths();

        var options = Bind(configuration);
        var used = FeedbackEnvironment.FormerNamesUsed(new Dictionary<string, string?>(), configuration);
        var logger = new RecordingLogger();
        await new FormerNamesNotice(logger, used).StartAsync(CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(options.GlobalLanes, Is.EqualTo(5));
            Assert.That(options.GlobalTrigger, Is.EqualTo(900));
            Assert.That(logger.Lines, Is.EquivalentTo(new[]
            {
                "Warning 16 Feedback:Batching:GlobalShards is the former name of Feedback:Batching:GlobalLanes: its value is used in this release, and the name goes in the next; rename it",
                "Warning 16 Feedback:Batching:GlobalBatchSize is the former name of Feedback:Batching:GlobalTrigger: its value is used in this release, and the name goes in the next; rename it",
            }));
        });
    }

    [Test]
    public void FormerPath_AndNewPathDifferentValues_StopStartUpNamingBoth()
    {
        var configuration = Paths(new() { ["Feedback:Batching:GlobalLanes"] = "6", ["Feedback:Batching:GlobalShards"] = "7" });

        var error = Assert.Throws<FeedbackConfigurationException>(configuration.AddFormerPaths);

        Assert.That(error!.Message, Is.EqualTo(
            "Feedback:Batching:GlobalLanes='6' and its former name Feedback:Batching:GlobalShards='7' are both set, to different values; set only Feedback:Batching:GlobalLanes."));
    }

    [Test]
    public void FormerPath_AndNewVariableDifferentValues_StopStartUpNamingBoth()
    {
        var configuration = Paths(new() { ["Feedback:Batching:GlobalBatchSize"] = "700" });
        configuration.AddFeedbackEnvironment(new Dictionary<string, string?> { ["FEEDBACK_GLOBAL_TRIGGER"] = "800" });

        var error = Assert.Throws<FeedbackConfigurationException>(configuration.AddFormerPaths);

        Assert.That(error!.Message, Does.StartWith("Feedback:Batching:GlobalTrigger='800' and its former name Feedback:Batching:GlobalBatchSize='700'"));
    }

    [Test]
    public void FormerPath_AndNewPathSameValue_AreAcceptedAndStillWarn()
    {
        var configuration = Paths(new() { ["Feedback:Batching:GlobalLanes"] = "6", ["Feedback:Batching:GlobalShards"] = " 6 " });

        configuration.AddFormerPaths();

        Assert.Multiple(() =>
        {
            Assert.That(Bind(configuration).GlobalLanes, Is.EqualTo(6));
            Assert.That(FeedbackEnvironment.FormerNamesUsed(new Dictionary<string, string?>(), configuration),
                Is.EqualTo(new[] { ("Feedback:Batching:GlobalShards", "Feedback:Batching:GlobalLanes") }));
        });
    }

    [Test]
    public void FormerPath_NotSet_ChangesNothingAndIsNotReported()
    {
        var configuration = Paths(new() { ["Feedback:Batching:GlobalLanes"] = "3" });

        configuration.AddFormerPaths();

        Assert.Multiple(() =>
        {
            Assert.That(Bind(configuration).GlobalLanes, Is.EqualTo(3));
            Assert.That(Bind(configuration).GlobalTrigger, Is.EqualTo(new BatchingOptions().GlobalTrigger));
            Assert.That(FeedbackEnvironment.FormerNamesUsed(new Dictionary<string, string?>(), configuration), Is.Empty);
        });
    }

    [Test]
    public void FormerPath_WrongType_IsRefusedNamingTheFormerPath()
    {
        var configuration = Paths(new() { ["Feedback:Batching:GlobalShards"] = "many" });

        var error = Assert.Throws<FeedbackConfigurationException>(() => FeedbackEnvironment.ThrowIfUnreadable(configuration));

        Assert.That(error!.Message, Is.EqualTo("Feedback:Batching:GlobalShards is 'many'; allowed: a whole number, 1 to 1,024."));
    }

    [Test]
    public void FormerPaths_AreNoCurrentPathAndDifferFromEachOther()
    {
        var current = FeedbackSettings.All.Select(s => s.Path).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var former = FeedbackSettings.All.Where(s => s.FormerPath is not null).Select(s => s.FormerPath!).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(former, Is.EquivalentTo(new[] { "Feedback:Batching:GlobalShards", "Feedback:Batching:GlobalBatchSize" }));
            Assert.That(former.Where(current.Contains), Is.Empty, "a former path is also a current path");
            Assert.That(FeedbackSettings.All.Where(s => s.FormerPath is not null).Select(s => s.FormerPath![..s.FormerPath!.LastIndexOf(':')]),
                Is.EqualTo(FeedbackSettings.All.Where(s => s.FormerPath is not null).Select(s => s.Section)), "renamed within its section");
        });
    }

    private static ConfigurationManager Paths(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(values);
        return configuration;
    }

    private static BatchingOptions Bind(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddBatchEngine();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<BatchingOptions>>().Value;
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
