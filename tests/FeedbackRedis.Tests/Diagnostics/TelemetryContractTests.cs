using System.Diagnostics.Metrics;
using System.Reflection;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using FeedbackRedis.Batching;
using FeedbackRedis.Diagnostics;
using FeedbackRedis.Flushing;
using FeedbackRedis.Hosting;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Sinks;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace FeedbackRedis.Tests.Diagnostics;

/// <summary>
/// The metric half of the telemetry contract: every instrument is in <see cref="FeedbackInstruments"/>, follows the one
/// naming scheme, has a unit and a description, and carries only its declared labels with kebab-case values; what the
/// service's meter really creates is exactly the catalogue; recorders are required, never optional.
/// </summary>
public sealed partial class TelemetryContractTests
{
    private static readonly Assembly Service = typeof(FeedbackInstruments).Assembly;

    [Test]
    public void EveryCurrentInstrument_FollowsTheNamingScheme_HasAUcumUnitADescriptionAndSnakeCaseLabels()
    {
        Assert.That(FeedbackInstruments.Current, Has.Count.GreaterThanOrEqualTo(28));
        Assert.Multiple(() =>
        {
            foreach (var i in FeedbackInstruments.Current)
            {
                Assert.That(FollowsScheme(i.Name), Is.True, $"{i.Name}: feedback.<component>.<snake_name>, component one of {string.Join(", ", FeedbackInstruments.Components)}");
                Assert.That(i.Unit, Does.Match(@"^(s|By|1|\{[a-z]+(_[a-z]+)*\})$"), $"{i.Name}: a UCUM unit");
                Assert.That(i.Description, Does.Match(@"^\S.{19,}\.$"), $"{i.Name}: a sentence");
                Assert.That(i.Description, Does.Not.StartWith("Deprecated"), i.Name);
                Assert.That(i.ReplacedBy, Is.Null, i.Name);
                Assert.That(i.Labels, Has.All.Match("^[a-z]+(_[a-z]+)*$"), $"{i.Name}: label keys");
                Assert.That(i.Labels, Is.Unique, i.Name);
                Assert.That(i.Buckets is null || i.Kind == InstrumentKind.Histogram, $"{i.Name}: buckets only on a histogram");
            }
        });
    }

    [Test]
    public void EveryDeprecatedAlias_NamesItsReplacement_AndNoTwoInstrumentsShareAName()
    {
        var emitted = FeedbackInstruments.Emitted.ToList();
        Assert.That(FeedbackInstruments.DeprecatedAliases, Has.Count.EqualTo(14));
        Assert.Multiple(() =>
        {
            Assert.That(emitted.Select(i => i.Name), Is.Unique);
            Assert.That(emitted.Select(i => i.PrometheusName), Is.Unique, "a second series of one name would break every query on it");
            foreach (var alias in FeedbackInstruments.DeprecatedAliases)
            {
                var current = alias.ReplacedBy!;
                Assert.That(FeedbackInstruments.Current, Does.Contain(current), alias.Name);
                Assert.That(FollowsScheme(alias.Name), Is.False, $"{alias.Name}: an old name");
                Assert.That(alias.Description, Does.StartWith($"Deprecated: use {current.Name} (Prometheus {current.PrometheusName}). "), alias.Name);
                Assert.That((alias.Kind, alias.Unit, alias.Labels), Is.EqualTo((current.Kind, current.Unit, current.Labels)), alias.Name);
                Assert.That(alias.Buckets, Is.EqualTo(current.Buckets), alias.Name);
            }
        });
    }

    [Test]
    public void OperationsGuide_NamesEveryInstrument_AndListsEveryDeprecatedAliasWithItsReplacement()
    {
        string metrics = LogEventsTests.Section(File.ReadAllText(Path.Combine(LogEventsTests.RepoRoot(), "docs", "OPERATIONS.md")), "## Metrics and alerts");
        string deprecated = LogEventsTests.Section(metrics, "### Deprecated names (until the next release)");
        var rows = Regex.Matches(deprecated, @"^\| `(?<old>feedback_\w+)` \| `(?<new>feedback_\w+)` \|$", RegexOptions.Multiline)
            .Select(m => (m.Groups["old"].Value, m.Groups["new"].Value))
            .ToList();
        var tables = Regex.Matches(metrics, @"^\| `(?<name>feedback_\w+)[{`]", RegexOptions.Multiline).Select(m => m.Groups["name"].Value).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(rows, Is.EquivalentTo(FeedbackInstruments.DeprecatedAliases.Select(a => (a.PrometheusName, a.ReplacedBy!.PrometheusName))));
            Assert.That(tables.Except(rows.Select(r => r.Item1)), Is.EquivalentTo(FeedbackInstruments.Current.Select(i => i.PrometheusName)),
                "the metric tables name every current instrument once, by its Prometheus name");
        });
    }

    [TestCase("feedback.store.oldest_open_batch_age", "feedback_store_oldest_open_batch_age_seconds")]
    [TestCase("feedback.flusher.batches_flushed", "feedback_flusher_batches_flushed_total")]
    [TestCase("feedback.flusher.batch_size", "feedback_flusher_batch_size")]
    [TestCase("feedback.sink.write_duration", "feedback_sink_write_duration_seconds")]
    [TestCase("feedback.flushes", "feedback_flushes_total")]
    [TestCase("feedback.batches", "feedback_batches")]
    public void PrometheusName_IsTheExporters(string name, string prometheus) =>
        Assert.That(FeedbackInstruments.Emitted.Single(i => i.Name == name).PrometheusName, Is.EqualTo(prometheus));

    [Test]
    public void ServiceMeter_CreatesExactlyTheCatalogue()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddFeedbackRedis(["--role", "all"]);
        using var app = builder.Build();
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        var created = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Scope == factory)
                {
                    lock (created)
                    {
                        created.Add(instrument);
                    }
                }
            },
        };
        listener.Start();

        var recorders = Service.GetTypes()
            .Where(t => t.GetConstructors().Any(c => c.GetParameters().Any(p => p.ParameterType == typeof(IMeterFactory))))
            .ToList();
        foreach (var recorder in recorders)
        {
            app.Services.GetRequiredService(recorder);
        }

        Assert.That(recorders, Is.EquivalentTo(new[] { typeof(IngestionMetrics), typeof(FlusherMetrics), typeof(StoreMetrics) }));
        var ours = created.Where(i => i.Meter.Name == FeedbackTelemetry.MeterName).ToList();
        Assert.That(created.Except(ours).Select(i => i.Name), Has.None.StartWith("feedback."), "every feedback.* instrument is on the service's meter");
        Assert.That(
            ours.Select(i => (i.Name, Kind(i), i.Unit, i.Description)),
            Is.EquivalentTo(FeedbackInstruments.Emitted.Select(d => (d.Name, d.Kind, (string?)d.Unit, (string?)d.Description))));
    }

    [Test]
    public void Constructors_NoneTakesARecorderAsAnOptionalOrNullableDependency()
    {
        var recorders = new HashSet<Type> { typeof(IngestionMetrics), typeof(FlusherMetrics), typeof(StoreMetrics) };
        var nullability = new NullabilityInfoContext();
        var takers = Service.GetTypes()
            .SelectMany(t => t.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
            .SelectMany(c => c.GetParameters().Select(p => (Constructor: c, Parameter: p)))
            .Where(x => recorders.Contains(x.Parameter.ParameterType))
            .ToList();

        Assert.That(takers.Select(x => x.Constructor.DeclaringType), Does.Contain(typeof(BatchFlusher)).And.Contain(typeof(RedisBatchStore)).And.Contain(typeof(FeedbackConsumer)));
        Assert.Multiple(() =>
        {
            foreach (var (constructor, parameter) in takers)
            {
                string where = $"{constructor.DeclaringType!.Name}({parameter.Name})";
                Assert.That(parameter.IsOptional, Is.False, where);
                Assert.That(nullability.Create(parameter).WriteState, Is.EqualTo(NullabilityState.NotNull), where);
            }
        });
    }

    [Test]
    public void EveryMeasurement_CarriesExactlyItsDeclaredLabelsWithKebabCaseValues_AndEveryAliasTheSame()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var recorded = new Recorded(factory);
        var ingestion = new IngestionMetrics(factory);
        var flusher = new FlusherMetrics(factory);
        var store = new StoreMetrics(factory);

        foreach (var reason in Enum.GetValues<DeadLetterReason>())
        {
            ingestion.DeadLettered(reason);
            ingestion.DeadLetterTruncated(reason);
        }

        ingestion.DeadLetterDropped(DeadLetterReason.TooLarge, ErrorCode.MsgSizeTooLarge);
        ingestion.DeadLetterDropped(DeadLetterReason.WrongShape, ErrorCode.Local_BadMsg);
        ingestion.Appended(7, 2);
        ingestion.Stuck();
        ingestion.Resumed("redis", 3);
        ingestion.Resumed("kafka", 1);
        ingestion.Rewound("redis-behind");
        ingestion.Rewound("redis-empty");
        ingestion.Paused(Enum.GetValues<PauseReasons>().Aggregate((a, b) => a | b));
        ingestion.Lag(new Dictionary<string, long> { ["feedback.reply.received"] = 5 });
        foreach (var trigger in Enum.GetValues<BatchTrigger>())
        {
            var claim = TestFeedback.Claimed($"agent-1:{(int)trigger}", [TestFeedback.Item("agent-1", $"e-{trigger}")]) with { Trigger = trigger };
            flusher.Flushed(FeedbackBatch.Read(claim), TestStores.Start.AddSeconds(30));
        }

        flusher.SinkWrite("file", TimeSpan.FromMilliseconds(3),
            [.. Enum.GetValues<SinkOutcome>().Select(o => new BatchWriteResult($"a:{(int)o}", o) { IdConflicts = 1 })]);
        flusher.Published(ok: true);
        flusher.Published(ok: false);
        flusher.Quarantined(2);
        foreach (var mode in Enum.GetValues<ReleaseMode>())
        {
            foreach (var outcome in Enum.GetValues<ReleaseOutcome>())
            {
                flusher.Released(mode, outcome);
            }
        }

        store.RecordRedis("seal_due", TimeSpan.FromMilliseconds(1), ok: true);
        store.RecordRedis("append", TimeSpan.FromMilliseconds(1), ok: false);
        store.Update(new StoreCounts(1, 2, 3, 4, 5, 6, 16, 1, TestStores.Start, TestStores.Start.AddSeconds(9)));
        recorded.Listener.RecordObservableInstruments();

        var byName = recorded.Snapshot().ToLookup(m => m.Instrument);
        var definitions = FeedbackInstruments.Emitted.ToDictionary(d => d.Name);
        Assert.Multiple(() =>
        {
            Assert.That(byName.Select(g => g.Key), Is.SubsetOf(definitions.Keys), "only catalogue instruments are measured");
            foreach (var current in FeedbackInstruments.Current)
            {
                Assert.That(byName[current.Name], Is.Not.Empty, $"{current.Name}: the exercise above reaches it");
            }

            foreach (var group in byName)
            {
                var definition = definitions[group.Key];
                foreach (var m in group)
                {
                    Assert.That(m.Tags.Keys, Is.EquivalentTo(definition.Labels), $"{group.Key}: label keys");
                    foreach (var (key, value) in m.Tags.Where(t => !FeedbackInstruments.VerbatimLabels.Contains(t.Key)))
                    {
                        Assert.That(value, Does.Match(Kebab()), $"{group.Key}{{{key}}}: a kebab-case value");
                    }
                }
            }

            foreach (var alias in FeedbackInstruments.DeprecatedAliases)
            {
                Assert.That(byName[alias.Name].Select(m => m.Show()), Is.EqualTo(byName[alias.ReplacedBy!.Name].Select(m => m.Show())), alias.Name);
            }

            Assert.That(byName["feedback.consumer.pauses"].Select(m => m.Tags["reason"]),
                Is.EquivalentTo(new[] { "redis-unavailable", "high-water", "dead-letter-unavailable", "retrying", "dead-work" }),
                "one pause for every reason: counted once under each");
            Assert.That(byName["feedback.consumer.dead_letters_dropped"].Select(m => m.Tags["error"]), Is.EquivalentTo(new[] { "msg-size-too-large", "local-bad-msg" }));
            Assert.That(byName["feedback.redis.duration"].Select(m => m.Tags["operation"]), Is.EquivalentTo(new[] { "seal-due", "append" }));
            Assert.That(byName["feedback.flusher.batches_flushed"].Select(m => m.Tags["trigger"]),
                Is.EquivalentTo(new[] { "size", "time", "overflow", "global", "manual", "quarantine", "bytes" }));
            Assert.That(byName["feedback.store.guarded_ids"].Single().Value, Is.EqualTo(16));
        });
    }

    [Test]
    public void EveryPauseReason_HasOneKebabCaseName()
    {
        var reasons = Enum.GetValues<PauseReasons>().Where(r => r != PauseReasons.None).ToList();
        Assert.Multiple(() =>
        {
            foreach (var reason in reasons)
            {
                Assert.That(PauseReasonNames.Of(reason).ToList(), Has.Count.EqualTo(1).And.All.Match(Kebab()), reason.ToString());
            }

            Assert.That(PauseReasonNames.Describe(PauseReasons.RedisUnavailable | PauseReasons.HighWater), Is.EqualTo("redis-unavailable, high-water"));
            Assert.That(PauseReasonNames.Describe(PauseReasons.None), Is.EqualTo("none"));
        });
    }

    [TestCase("HighWater", "high-water")]
    [TestCase("MsgSizeTooLarge", "msg-size-too-large")]
    [TestCase("Local_BadMsg", "local-bad-msg")]
    [TestCase("SaslAuthenticationFailed", "sasl-authentication-failed")]
    [TestCase("SASLAuthenticationFailed", "sasl-authentication-failed")]
    [TestCase("seal_due", "seal-due")]
    [TestCase("recount-scan", "recount-scan")]
    [TestCase("Topic2Partition", "topic2-partition")]
    [TestCase("size", "size")]
    public void LabelValues_AreMadeKebabCase(string name, string label) =>
        Assert.That(LabelValues.Kebab(name), Is.EqualTo(label));

    [Test]
    public void EnumLabels_ForEveryKafkaErrorCode_AreKebabCase()
    {
        var labels = Enum.GetValues<ErrorCode>().Select(LabelValues.Of).ToList();
        Assert.That(labels, Has.Count.GreaterThan(100).And.All.Match(Kebab()));
    }

    private static bool FollowsScheme(string name) =>
        NameScheme().IsMatch(name) && FeedbackInstruments.Components.Contains(name.Split('.')[1]);

    private static InstrumentKind Kind(Instrument instrument) => instrument.GetType().GetGenericTypeDefinition() switch
    {
        var t when t == typeof(Counter<>) => InstrumentKind.Counter,
        var t when t == typeof(Histogram<>) => InstrumentKind.Histogram,
        var t when t == typeof(ObservableGauge<>) => InstrumentKind.Gauge,
        var t => throw new AssertionException($"{instrument.Name} is a {t.Name}, a kind the catalogue does not have"),
    };

    [GeneratedRegex(@"^feedback\.[a-z]+\.[a-z][a-z0-9]*(_[a-z0-9]+)*$")]
    private static partial Regex NameScheme();

    [GeneratedRegex(@"^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex Kebab();

    private sealed record Measured(string Instrument, double Value, Dictionary<string, string?> Tags)
    {
        public string Show() => $"{Value} {string.Join(",", Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"))}";
    }

    /// <summary>Every measurement of one meter factory's instruments.</summary>
    private sealed class Recorded : IDisposable
    {
        private readonly List<Measured> _measured = [];

        public Recorded(IMeterFactory factory)
        {
            Listener = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Scope == factory)
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            Listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i, value, tags));
            Listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Add(i, value, tags));
            Listener.Start();
        }

        public MeterListener Listener { get; }

        public List<Measured> Snapshot()
        {
            lock (_measured)
            {
                return [.. _measured];
            }
        }

        public void Dispose() => Listener.Dispose();

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var (key, tag) in tags)
            {
                copy[key] = tag?.ToString();
            }

            lock (_measured)
            {
                _measured.Add(new Measured(instrument.Name, value, copy));
            }
        }
    }
}
