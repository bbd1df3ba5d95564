using System.Diagnostics.Metrics;
using System.Reflection;
using System.Text.RegularExpressions;
using FeedbackRedis.Batching;
using FeedbackRedis.Diagnostics;
using FeedbackRedis.Sinks.File;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FeedbackRedis.Tests.Chart;

/// <summary>
/// The chart's Grafana dashboard (charts/feedback-redis/dashboards/feedback-redis.json), its alert rules
/// (templates/prometheusrule.yaml: scripts/test-chart.sh checks that the rendered rules name exactly the metrics written
/// there) and the flusher's default KEDA query use metric names; a renamed instrument would leave them querying
/// nothing. A real consumer and a real flusher process run traffic that moves their metrics (events, dead letters, a
/// duplicate, a high-water pause, a quarantined item, a sink outage), and every name used must be in their /metrics.
/// </summary>
[Category("Process")]
public sealed partial class MetricNamesTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>
    /// Names the chart uses that this run cannot make a running service export, each with why: the service exports a
    /// counter only once it moved. For these the test asks the service's own instruments instead (the naming rule being
    /// checked against everything the scrape did show). Keep it short: a name that shows up in the scrape must go.
    /// </summary>
    private static readonly Dictionary<string, string> NotProducedHere = new(StringComparer.Ordinal)
    {
        ["feedback_sink_id_conflicts_total"] = "needs the MongoDB sink and a MongoDB server, which this machine has not",
        ["feedback_consumer_stuck_total"] = "needs a consumer wedged for FEEDBACK_CONSUMER_STUCK_MS with nothing outside to explain it",
        ["feedback_consumer_rewinds_total"] = "needs Redis to lose acknowledged writes under a running consumer (Ingestion/RedisDataLossTests)",
        ["feedback_consumer_dead_letters_truncated_total"] = "needs a dead-letter topic that refuses whole messages; the mock cluster has no topic size limits",
        ["feedback_consumer_dead_letters_dropped_total"] = "as truncated, and the cut-down copy refused too",
    };

    [Test]
    public async Task EveryMetricTheDashboardAlertsAndKedaQuery_IsExportedByTheRunningService()
    {
        var used = NamesUsedByTheChart();
        Assert.That(used, Has.Count.GreaterThan(25), "names found in the dashboard and the rules");

        string prefix = TestKeys.Prefix();
        using var kafka = KafkaTestCluster.Start(prefix, partitionsPerTopic: 2);
        string sinkDir = Directory.CreateTempSubdirectory("feedback-metric-names-").FullName;
        string sinkPath = Path.Combine(sinkDir, "feedback.jsonl");
        var environment = new Dictionary<string, string>(kafka.Environment())
        {
            ["FEEDBACK_REDIS_CONNECTION"] = SharedRedis.Server.ConnectionString,
            ["FEEDBACK_KEY_PREFIX"] = prefix,
            ["FEEDBACK_BATCHING_MODE"] = "agent",
            ["FEEDBACK_BATCH_SIZE"] = "10",
            ["FEEDBACK_BATCH_TIME_MS"] = "2000",
            ["FEEDBACK_PENDING_HIGH_WATER"] = "40",
            ["FEEDBACK_PENDING_LOW_WATER"] = "20",
            ["FEEDBACK_CONSUMER_SESSION_TIMEOUT_MS"] = "6000",
            ["FEEDBACK_CONSUMER_COMMIT_INTERVAL_MS"] = "500",
            ["FEEDBACK_SINK"] = "file",
            ["FEEDBACK_SINK_FILE_PATH"] = sinkPath,
            ["FEEDBACK_FLUSH_POLL_MS"] = "100",
            ["FEEDBACK_FLUSH_RETRY_BASE_MS"] = "100",
            ["FEEDBACK_FLUSH_RETRY_MAX_MS"] = "500",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning", // keeps Hosting.Lifetime's "Now listening on"
        };
        try
        {
            await using var flusher = ServiceProcess.Start("flusher", environment);
            await using var consumer = ServiceProcess.Start("consumer", environment);
            var flusherUri = await flusher.WaitForHttpAsync(Patience);
            var consumerUri = await consumer.WaitForHttpAsync(Patience);
            await consumer.WaitForLogAsync("Partitions assigned", Patience);
            string Logs() => $"--- consumer ---\n{Tail(consumer.Log)}\n--- flusher ---\n{Tail(flusher.Log)}";

            // 300 events over 20 agents (far above the high-water mark of 40: the consumer pauses), 20 messages that are
            // not JSON, and 5 events sent twice in a row (the duplicate guard skips the second copy).
            for (int i = 0; i < 300; i++)
            {
                string kind = i % 3 == 0 ? FeedbackMessages.Reaction : FeedbackMessages.Reply;
                kafka.Produce(kafka.TopicFor(kind), FeedbackMessages.Valid(kind, $"agent-{i % 20}", $"e-{i}", i), partition: i % 2);
                if (i % 60 == 0)
                {
                    kafka.Produce(kafka.TopicFor(kind), FeedbackMessages.Valid(kind, $"agent-{i % 20}", $"e-{i}", i), partition: i % 2);
                }

                if (i % 15 == 0)
                {
                    kafka.Produce(kafka.ReplyTopic, "not json"u8.ToArray());
                }
            }

            kafka.Flush();
            await Eventually.WaitAsync(async () => (await FileSinkReader.ReadAsync(sinkPath)).DistinctEvents == 300, Patience,
                () => $"every valid event in the sink\n{Logs()}");

            // A hand-edited item the flusher cannot read: it is quarantined into a dead batch of its own.
            var store = TestStores.Create(o => { o.BatchSize = 10; o.BatchTime = TimeSpan.FromSeconds(2); o.Clock = ClockSource.Redis; }, time: TimeProvider.System, prefix: prefix);
            await store.AppendAsync(TestStores.Events("agent-q", 3));
            await SharedRedis.Connection.GetDatabase().ListRightPushAsync(store.Keys.OpenBatch("agent-q"), "not an item");
            await Eventually.WaitAsync(async () => (await store.GetCountsAsync()).DeadBatches >= 1, Patience,
                () => $"the unreadable item quarantined\n{Logs()}");

            // The sink's folder disappears: writes fail as unavailable and their claims are given back, until it is back. (The waits look for label values, which do not depend on the metric names under test.)
            Directory.Delete(sinkDir, recursive: true);
            for (int i = 300; i < 320; i++)
            {
                kafka.Produce(kafka.ReplyTopic, FeedbackMessages.Valid(FeedbackMessages.Reply, $"agent-{i % 20}", $"e-{i}", i));
            }

            kafka.Flush();
            await Eventually.WaitAsync(async () => (await ScrapeAsync(flusherUri)) is var s && s.Contains("outcome=\"unavailable\"", StringComparison.Ordinal)
                && s.Contains("result=\"", StringComparison.Ordinal), Patience, () => $"a failed sink write, its claim given back\n{Logs()}");
            Directory.CreateDirectory(sinkDir);
            await Eventually.WaitAsync(async () => File.Exists(sinkPath) && (await FileSinkReader.ReadAsync(sinkPath)).DistinctEvents == 20, Patience,
                () => $"the last events written once the folder is back\n{Logs()}");

            string consumerScrape = await ScrapeAsync(consumerUri);
            string flusherScrape = await ScrapeAsync(flusherUri);
            var scrape = Parse(consumerScrape + "\n" + flusherScrape);
            var instruments = PrometheusNamesOfTheServiceInstruments();

            var missing = used.Keys.Where(n => !scrape.Families.Contains(n) && !NotProducedHere.ContainsKey(n)).Order().ToList();
            var exemptButScraped = NotProducedHere.Keys.Where(scrape.Families.Contains).ToList();
            var exemptUnknown = NotProducedHere.Keys.Where(n => used.ContainsKey(n) && !instruments.Contains(n)).ToList();
            var scrapedUnexplained = scrape.Families.Where(f => f.StartsWith("feedback_", StringComparison.Ordinal) && !instruments.Contains(f)).ToList();
            var missingBuckets = used.SelectMany(u => u.Value.Select(le => (Name: u.Key, Le: le)))
                .Where(b => !scrape.Buckets.Contains($"{b.Name}|{b.Le}")).Select(b => $"{b.Name}_bucket{{le=\"{b.Le}\"}}").ToList();
            TestContext.Out.WriteLine($"used by the chart: {used.Count}; scraped feedback_* families: {scrape.Families.Count(f => f.StartsWith("feedback_", StringComparison.Ordinal))}; service instruments: {instruments.Count}");
            Assert.Multiple(() =>
            {
                Assert.That(missing, Is.Empty, $"used by the dashboard, the alerts or the KEDA query but not in the scrape: {string.Join(", ", missing)}; scraped: {string.Join(", ", scrape.Families.Order())}");
                Assert.That(missingBuckets, Is.Empty, $"histogram bucket boundaries the alerts compare against, missing from the scrape: {string.Join(", ", missingBuckets)}");
                Assert.That(exemptButScraped, Is.Empty, "produced after all: remove them from NotProducedHere");
                Assert.That(exemptUnknown, Is.Empty, "not produced here, and no instrument of the service has that Prometheus name either");
                Assert.That(scrapedUnexplained, Is.Empty, "scraped families the naming rule does not derive from an instrument: the rule in this test is wrong");
            });
        }
        finally
        {
            if (Directory.Exists(sinkDir))
            {
                Directory.Delete(sinkDir, recursive: true);
            }
        }
    }

    /// <summary>Metric names (histogram suffixes stripped) used by the chart, each with the bucket boundaries compared against.</summary>
    private static Dictionary<string, HashSet<string>> NamesUsedByTheChart()
    {
        string chart = Path.Combine(RepoRoot(), "charts", "feedback-redis");
        string text = File.ReadAllText(Path.Combine(chart, "dashboards", "feedback-redis.json"))
            + File.ReadAllText(Path.Combine(chart, "templates", "prometheusrule.yaml"))
            + string.Join("\n", File.ReadAllLines(Path.Combine(chart, "values.yaml")).Where(l => l.TrimStart().StartsWith("query:", StringComparison.Ordinal)));
        var used = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (Match m in MetricName().Matches(text))
        {
            used.TryAdd(HistogramSuffix().Replace(m.Value, ""), []);
        }

        foreach (Match m in BucketBoundary().Matches(text))
        {
            used[m.Groups[1].Value].Add(m.Groups[2].Value);
        }

        return used;
    }

    private sealed record Scrape(HashSet<string> Families, HashSet<string> Buckets);

    private static Scrape Parse(string text)
    {
        var families = new HashSet<string>(StringComparer.Ordinal);
        var buckets = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            if (TypeLine().Match(line) is { Success: true } type)
            {
                families.Add(type.Groups[1].Value);
            }
            else if (BucketLine().Match(line) is { Success: true } bucket)
            {
                buckets.Add($"{bucket.Groups[1].Value}|{bucket.Groups[2].Value}");
            }
        }

        return new Scrape(families, buckets);
    }

    /// <summary>
    /// The Prometheus names of every instrument the service's metrics classes create on the FeedbackRedis meter (each
    /// public class of the library with a constructor taking only an <see cref="IMeterFactory"/>), by the exporter's
    /// rule: dots to underscores, <c>_seconds</c> for unit s, <c>_total</c> for counters.
    /// </summary>
    private static HashSet<string> PrometheusNamesOfTheServiceInstruments()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (instrument.Meter.Name != FeedbackTelemetry.MeterName)
            {
                return;
            }

            string name = instrument.Name.Replace('.', '_');
            if (instrument.Unit == "s" && !name.EndsWith("_seconds", StringComparison.Ordinal))
            {
                name += "_seconds";
            }

            if (instrument.GetType().Name.StartsWith("Counter", StringComparison.Ordinal) || instrument.GetType().Name.StartsWith("ObservableCounter", StringComparison.Ordinal))
            {
                name += "_total";
            }

            lock (names)
            {
                names.Add(name);
            }
        };
        listener.Start();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        foreach (var type in typeof(FeedbackTelemetry).Assembly.GetExportedTypes().Where(t => t is { IsClass: true, IsAbstract: false }))
        {
            if (type.GetConstructor(BindingFlags.Public | BindingFlags.Instance, [typeof(IMeterFactory)]) is { } constructor)
            {
                constructor.Invoke([factory]);
            }
        }

        return names;
    }

    private static async Task<string> ScrapeAsync(Uri baseUri) => await Http.GetStringAsync(new Uri(baseUri, "/metrics"));

    private static string Tail(string log) => log.Length <= 4000 ? log : "...\n" + log[^4000..];

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "charts", "feedback-redis", "Chart.yaml")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("charts/feedback-redis/Chart.yaml not found above the test binaries");
    }

    [GeneratedRegex("feedback_[a-z_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex("_(bucket|sum|count)$")]
    private static partial Regex HistogramSuffix();

    [GeneratedRegex(@"(feedback_[a-z_]+)_bucket\{[^}]*le=\\?""([0-9.]+|\+Inf)\\?""")]
    private static partial Regex BucketBoundary();

    [GeneratedRegex(@"^# TYPE (\S+) \S+")]
    private static partial Regex TypeLine();

    [GeneratedRegex("""^(\S+)_bucket\{.*le="([^"]+)".*\}""")]
    private static partial Regex BucketLine();
}
