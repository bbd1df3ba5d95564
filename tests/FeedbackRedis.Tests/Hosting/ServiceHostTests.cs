using System.Net;
using System.Text.RegularExpressions;
using FeedbackRedis.Batching;
using FeedbackRedis.Diagnostics;
using FeedbackRedis.DevTools.Kafka;
using FeedbackRedis.Kafka;
using FeedbackRedis.Tests.Infrastructure;
using StackExchange.Redis;

namespace FeedbackRedis.Tests.Hosting;

[Category("Process")]
public sealed partial class ServiceHostTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static Dictionary<string, string> FlusherEnvironment(string redis, string bootstrap, string prefix, string sinkPath) => new()
    {
        ["FEEDBACK_REDIS_CONNECTION"] = redis,
        ["FEEDBACK_KAFKA_BOOTSTRAP_SERVERS"] = bootstrap,
        ["FEEDBACK_KEY_PREFIX"] = prefix,
        ["FEEDBACK_SINK"] = "file",
        ["FEEDBACK_SINK_FILE_PATH"] = sinkPath,
        ["FEEDBACK_FLUSH_POLL_MS"] = "100",
        ["FEEDBACK_BATCH_SIZE"] = "10",
        ["FEEDBACK_BATCHING_MODE"] = "agent",
    };

    [Test]
    public async Task Metrics_NamedSeriesArePresent_AndMoveWhenEventsFlow()
    {
        using var kafka = MockKafkaCluster.Start(1);
        string prefix = TestKeys.Prefix();
        string sink = Path.Combine(Path.GetTempPath(), $"{prefix}.jsonl");
        await using var flusher = ServiceProcess.Start("flusher", FlusherEnvironment(SharedRedis.Server.ConnectionString, kafka.BootstrapServers, prefix, sink));
        var baseUri = await flusher.WaitForHttpAsync(Patience);
        var before = await ScrapeAsync(baseUri);

        var store = TestStores.Create(o => { o.BatchSize = 10; o.Clock = ClockSource.Redis; }, prefix: prefix);
        await store.AppendAsync([.. TestStores.Events("a", 10), .. TestStores.Events("b", 10), .. TestStores.Events("c", 10)]);
        await Eventually(async () => (await store.GetCountsAsync()).PendingEvents == 0, "the flusher drains the store");
        string after = "";
        await Eventually(async () =>
        {
            after = await ScrapeAsync(baseUri);
            return Value(after, "feedback_flusher_batches_flushed_total", "trigger=\"size\"") == 3
                && Value(after, "feedback_store_batches", "state=\"ready\"") == 0;
        }, "flush counters and store gauges reflect the three batches");

        Assert.Multiple(() =>
        {
            Assert.That(Value(before, "feedback_flusher_batches_flushed_total", "trigger=\"size\""), Is.Null.Or.Zero);
            Assert.That(Value(after, "feedback_flusher_events_flushed_total", "trigger=\"size\""), Is.EqualTo(30));
            Assert.That(Value(after, "feedback_flusher_batch_size_count", "trigger=\"size\""), Is.EqualTo(3));
            Assert.That(Value(after, "feedback_flusher_batch_size_sum", "trigger=\"size\""), Is.EqualTo(30));
            Assert.That(Value(after, "feedback_flusher_batch_age_seconds_count", "trigger=\"size\""), Is.EqualTo(3));
            Assert.That(Value(after, "feedback_sink_writes_total", "outcome=\"written\""), Is.EqualTo(3));
            Assert.That(Value(after, "feedback_sink_write_duration_seconds_count", "sink=\"file\""), Is.GreaterThanOrEqualTo(1));
            Assert.That(Value(after, "feedback_flusher_announcements_total", "outcome=\"ok\""), Is.EqualTo(3));
            Assert.That(Value(after, "feedback_redis_duration_seconds_count", "operation=\"claim\""), Is.GreaterThan(0));
            Assert.That(Value(after, "feedback_redis_duration_seconds_count", "operation=\"seal-due\""), Is.GreaterThan(0), "kebab-case operation");
            Assert.That(Value(after, "feedback_store_pending_events", ""), Is.Zero);
            Assert.That(Value(after, "feedback_store_guarded_ids", ""), Is.Zero, "the flusher's acks released every id");
            Assert.That(Value(after, "feedback_store_batches", "state=\"dead\""), Is.Zero);

            // The old names, for one release: the same values, described as deprecated.
            Assert.That(Value(after, "feedback_flushes_total", "trigger=\"size\""), Is.EqualTo(3));
            Assert.That(Value(after, "feedback_batch_size_sum", "trigger=\"size\""), Is.EqualTo(30));
            Assert.That(Value(after, "feedback_flushed_publishes_total", "outcome=\"ok\""), Is.EqualTo(3));
            Assert.That(Value(after, "feedback_batches", "state=\"ready\""), Is.Zero);
            Assert.That(after, Does.Match(@"(?m)^# HELP feedback_flushes(_total)? Deprecated: use feedback\.flusher\.batches_flushed "));

            // Every series the exporter wrote is one of the catalogue's, under the Prometheus name the catalogue states.
            var known = FeedbackInstruments.Emitted
                .SelectMany(i => i.Kind == InstrumentKind.Histogram
                    ? new[] { i.PrometheusName + "_bucket", i.PrometheusName + "_sum", i.PrometheusName + "_count" }
                    : [i.PrometheusName])
                .ToHashSet(StringComparer.Ordinal);
            var written = Sample().Matches(after).Select(m => m.Groups["name"].Value).Where(n => n.StartsWith("feedback_", StringComparison.Ordinal)).ToHashSet();
            Assert.That(written, Has.Count.GreaterThan(20));
            Assert.That(written, Is.SubsetOf(known));
        });
    }

    [Test]
    public async Task ConsumerMetrics_CountAppendsAndDeadLettersByReason_AndLagFallsToZero()
    {
        using var kafka = MockKafkaCluster.Start(1);
        kafka.SetGroupInitialRebalanceDelay(TimeSpan.FromMilliseconds(200));
        kafka.CreateTopic("feedback.reply.received", 2);
        kafka.CreateTopic("feedback.reaction.received", 2);
        kafka.CreateTopic("feedback.dlq", 1);
        string prefix = TestKeys.Prefix();
        var environment = FlusherEnvironment(SharedRedis.Server.ConnectionString, kafka.BootstrapServers, prefix, "/tmp/unused.jsonl");
        environment["FEEDBACK_KAFKA_GROUP_ID"] = prefix;
        environment["FEEDBACK_BATCH_SIZE"] = "1000";
        await using var consumer = ServiceProcess.Start("consumer", environment);
        var baseUri = await consumer.WaitForHttpAsync(Patience);

        using (var producer = new Confluent.Kafka.ProducerBuilder<Confluent.Kafka.Null, string>(
            new Confluent.Kafka.ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
        {
            for (int i = 0; i < 300; i++)
            {
                string value = i % 10 == 0 ? "not json" : $"{{\"eventId\":\"m-{i}\",\"agentId\":\"agent-{i % 7}\",\"text\":\"ok\"}}";
                producer.Produce("feedback.reply.received", new() { Value = value });
            }

            producer.Flush(TimeSpan.FromSeconds(10));
        }

        string scrape = "";
        await Eventually(async () =>
        {
            scrape = await ScrapeAsync(baseUri);
            return Value(scrape, "feedback_consumer_appended_total", "") == 270
                && Value(scrape, "feedback_consumer_dead_letters_total", "reason=\"not-json\"") == 30
                && Value(scrape, "feedback_consumer_lag", "topic=\"feedback.reply.received\"") == 0;
        }, "appends, dead letters by reason and a lag of zero once everything is consumed");
        Assert.That(Value(scrape, "feedback_redis_duration_seconds_count", "operation=\"append\""), Is.GreaterThan(0));
    }

    [Test]
    public async Task Ready_TurnsNotReadyWhenRedisStops_AndReadyAgainWhenItReturns()
    {
        using var kafka = MockKafkaCluster.Start(1);
        await using var redis = await RedisServer.StartAsync(appendOnly: true);
        string prefix = TestKeys.Prefix();
        await using var flusher = ServiceProcess.Start(
            "flusher", FlusherEnvironment(redis.ConnectionString, kafka.BootstrapServers, prefix, Path.Combine(Path.GetTempPath(), $"{prefix}.jsonl")));
        var baseUri = await flusher.WaitForHttpAsync(Patience);

        await Eventually(async () => await StatusAsync(baseUri, "/healthz/ready") == HttpStatusCode.OK, "ready with Redis up");
        await redis.KillAsync();
        await Eventually(async () => await StatusAsync(baseUri, "/healthz/ready") == HttpStatusCode.ServiceUnavailable, "not ready with Redis down");
        var body = await Http.GetStringAsync(new Uri(baseUri, "/healthz/live"));
        Assert.That(body, Does.Contain("Healthy"), "still live: a Redis outage is not a reason to restart the pod");

        await redis.RestartAsync();
        await Eventually(async () => await StatusAsync(baseUri, "/healthz/ready") == HttpStatusCode.OK, "ready again with Redis back");
    }

    [Test]
    public async Task EvictingRedis_RefusesToStart_UnlessToldToWarn()
    {
        using var kafka = MockKafkaCluster.Start(1);
        await using var redis = await RedisServer.StartAsync(settings: RedisServer.Recommended);
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true"))
        {
            await admin.GetServers()[0].ConfigSetAsync("maxmemory-policy", "allkeys-lru");
        }

        var environment = FlusherEnvironment(redis.ConnectionString, kafka.BootstrapServers, TestKeys.Prefix(), Path.Combine(Path.GetTempPath(), "evict.jsonl"));
        await using var refused = ServiceProcess.Start("flusher", environment);
        using var exit = new CancellationTokenSource(Patience);
        while (!refused.HasExited)
        {
            await Task.Delay(50, exit.Token);
        }

        Assert.That(refused.ExitCode, Is.Not.Zero);
        Assert.That(refused.Log, Does.Contain("maxmemory-policy is 'allkeys-lru'"));

        environment["FEEDBACK_REDIS_EVICTION_CHECK"] = "warn";
        await using var warned = ServiceProcess.Start("flusher", environment);
        await warned.WaitForHttpAsync(Patience);
        Assert.That(warned.Log, Does.Contain("maxmemory-policy is 'allkeys-lru'"));
        Assert.That(warned.HasExited, Is.False);
    }

    [Test]
    public async Task RedisWithoutPersistence_RefusesToStart_UnlessToldToWarn()
    {
        using var kafka = MockKafkaCluster.Start(1);
        await using var redis = await RedisServer.StartAsync(settings: "--save \"\" --appendonly no");
        var environment = FlusherEnvironment(redis.ConnectionString, kafka.BootstrapServers, TestKeys.Prefix(), Path.Combine(Path.GetTempPath(), "unpersisted.jsonl"));
        await using var refused = ServiceProcess.Start("flusher", environment);
        using var exit = new CancellationTokenSource(Patience);
        while (!refused.HasExited)
        {
            await Task.Delay(50, exit.Token);
        }

        Assert.That(refused.ExitCode, Is.EqualTo(1), refused.Log);
        Assert.That(refused.Log, Does.Contain("feedback-redis: refusing to start: ")
            .And.Contain($"Redis 127.0.0.1:{redis.Port} persists nothing (appendonly no, save '')")
            .And.Contain("FEEDBACK_REDIS_PERSISTENCE_CHECK=warn"));

        environment["FEEDBACK_REDIS_PERSISTENCE_CHECK"] = "warn";
        await using var warned = ServiceProcess.Start("flusher", environment);
        await warned.WaitForHttpAsync(Patience);
        Assert.That(warned.Log, Does.Contain("warn: FeedbackRedis.Hosting.RedisStartupCheck[14]"));
        Assert.That(warned.Log, Does.Contain($"Redis 127.0.0.1:{redis.Port} persists nothing (appendonly no, save '')"));
        Assert.That(warned.HasExited, Is.False);
    }

    [TestCase("FEEDBACK_BATCH_SIZE", "0", "FEEDBACK_BATCH_SIZE (Feedback:Batching:BatchSize) is 0; allowed: 1 to 100,000.")]
    [TestCase("FEEDBACK_BATCHING_MODE", "per-agent", "FEEDBACK_BATCHING_MODE='per-agent' is not one of: agent, global, hybrid.")]
    [TestCase("FEEDBACK_FLUSH_DRAIN_MS", "30000", "must be below FEEDBACK_SHUTDOWN_TIMEOUT_MS")]
    [TestCase("FEEDBACK_KAFKA_SECURITY_PROTOCOL", "bogus", "FEEDBACK_KAFKA_SECURITY_PROTOCOL='bogus' is not one of: plaintext, ssl, sasl_plaintext, sasl_ssl.")]
    [TestCase("FEEDBACK_KAFKA_SSL_CA_LOCATION", "/nonexistent/ca.pem",
        "FEEDBACK_KAFKA_SSL_CA_LOCATION (Feedback:Kafka:SslCaLocation) is '/nonexistent/ca.pem', a file that does not exist")]
    [TestCase("FEEDBACK_SOURCE_ID", "eu/prod", "FEEDBACK_SOURCE_ID (Feedback:Kafka:SourceId) is 'eu/prod'; allowed: 1 to 64 of A-Z a-z 0-9 . _ -")]
    [TestCase("FEEDBACK_KAFKA_SASL_MECHANISM", "GSSAPI", "FEEDBACK_KAFKA_SASL_MECHANISM='GSSAPI' is not one of: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512.")]
    [TestCase("FEEDBACK_TOPIC_DLQ", "feedback/dlq", "FEEDBACK_TOPIC_DLQ (Feedback:Kafka:DeadLetterTopic) is 'feedback/dlq'; allowed: a Kafka topic name")]
    [TestCase("Feedback__Kafka__SecurityProtocol", "bogus", "FEEDBACK_KAFKA_SECURITY_PROTOCOL (Feedback:Kafka:SecurityProtocol) is 'bogus'; allowed: plaintext, ssl, sasl_plaintext, sasl_ssl.")]
    [TestCase("FEEDBACK_REDIS_CONNECTION", "localhost:6379,bogus=1", "FEEDBACK_REDIS_CONNECTION (Feedback:Redis:ConnectionString) cannot be read (Keyword 'bogus' is not supported)")]
    [TestCase("FEEDBACK_REDIS_CONNECTION", " ", "FEEDBACK_REDIS_CONNECTION (Feedback:Redis:ConnectionString) is empty")]
    [TestCase("FEEDBACK_BATCH_SIZE", "99999999999", "FEEDBACK_BATCH_SIZE='99999999999' is out of range; allowed: 1 to 100,000.")]
    [TestCase("FEEDBACK_BATCH_TIME_MS", "99999999999999999", "FEEDBACK_BATCH_TIME_MS='99999999999999999' is out of range; allowed: 10 to 86,400,000 ms.")]
    [TestCase("Feedback__Batching__MaxAttempts", "abc", "FEEDBACK_MAX_ATTEMPTS (Feedback:Batching:MaxAttempts) is 'abc'; allowed: a whole number, 1 to 100.")]
    [TestCase("FEEDBACK_FLUSH_POLL_MS", "5", "FEEDBACK_FLUSH_POLL_MS (Feedback:Flusher:PollInterval) is 5 ms; allowed: 10 ms to 60,000 ms.")]
    [TestCase("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317", "OTEL_EXPORTER_OTLP_ENDPOINT is 'collector:4317'; allowed: an absolute http:// or https:// URL")]
    [TestCase("Feedback__Batching__GlobalShards", "abc", "Feedback:Batching:GlobalShards is 'abc'; allowed: a whole number, 1 to 1,024.")]
    public async Task BadSetting_StopsStartUpWithOneLineNamingIt_ExitCode2(string name, string value, string expected)
    {
        var environment = FlusherEnvironment(SharedRedis.Server.ConnectionString, "127.0.0.1:1", TestKeys.Prefix(), "/tmp/unused.jsonl");
        environment[name] = value;
        await using var service = ServiceProcess.Start("flusher", environment);
        int code = await service.WaitForExitAsync(Patience);

        // One line and nothing else: no stack trace, no host failure log before it (README: "one line, exit code 2").
        var lines = service.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(code, Is.EqualTo(2), service.Log);
        Assert.That(lines, Has.Length.EqualTo(1), service.Log);
        Assert.That(lines[0], Does.StartWith("feedback-redis: configuration error: ").And.Contain(expected));
    }

    [Test]
    public async Task FormerPathAndNewName_DifferentValues_StopStartUpWithOneLineNamingBoth_ExitCode2()
    {
        var environment = FlusherEnvironment(SharedRedis.Server.ConnectionString, "127.0.0.1:1", TestKeys.Prefix(), "/tmp/unused.jsonl");
        environment["FEEDBACK_GLOBAL_LANES"] = "6";
        environment["Feedback__Batching__GlobalShards"] = "7";
        await using var service = ServiceProcess.Start("flusher", environment);
        int code = await service.WaitForExitAsync(Patience);

        var lines = service.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(code, Is.EqualTo(2), service.Log);
        Assert.That(lines, Has.Length.EqualTo(1), service.Log);
        Assert.That(lines[0], Is.EqualTo("feedback-redis: configuration error: Feedback:Batching:GlobalLanes='6' and its former name "
            + "Feedback:Batching:GlobalShards='7' are both set, to different values; set only Feedback:Batching:GlobalLanes."));
    }

    [Test]
    public async Task Consumer_ThatCannotLearnTheClusterId_RefusesToStart_SayingToSetFeedbackSourceId()
    {
        var environment = FlusherEnvironment(SharedRedis.Server.ConnectionString, "127.0.0.1:1", TestKeys.Prefix(), "/tmp/unused.jsonl");
        await using var service = ServiceProcess.Start("consumer", environment);
        using var exit = new CancellationTokenSource(Patience + SourceIdResolver.Budget);
        while (!service.HasExited)
        {
            await Task.Delay(50, exit.Token);
        }

        Assert.That(service.ExitCode, Is.EqualTo(1), service.Log);
        Assert.That(service.Log, Does.Contain("feedback-redis: refusing to start: could not learn the Kafka cluster id from 127.0.0.1:1 within 30 s")
            .And.Contain("or set FEEDBACK_SOURCE_ID."));
    }

    [Test]
    public async Task Tracing_WithAnOtlpEndpoint_IsSaidToBeOnAndAnnouncementsCarryATraceparent()
    {
        using var kafka = MockKafkaCluster.Start(1);
        string prefix = TestKeys.Prefix();
        string flushed = $"{prefix}.flushed";
        kafka.CreateTopic(flushed, 1);
        var environment = FlusherEnvironment(SharedRedis.Server.ConnectionString, kafka.BootstrapServers, prefix, Path.Combine(Path.GetTempPath(), $"{prefix}.jsonl"));
        environment["FEEDBACK_TOPIC_FLUSHED"] = flushed;
        // Nothing listens there: the exporter's sends fail and are dropped; the service must not mind.
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9";
        environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        environment["OTEL_SERVICE_NAME"] = "feedback-test";
        await using var flusher = ServiceProcess.Start("flusher", environment);
        await flusher.WaitForHttpAsync(Patience);

        var store = TestStores.Create(o => { o.BatchSize = 10; o.Clock = ClockSource.Redis; }, prefix: prefix);
        await store.AppendAsync(TestStores.Events("a", 10));
        await Eventually(async () => (await store.GetCountsAsync()).PendingEvents == 0, "the flusher drains the store");

        using var consumer = new Confluent.Kafka.ConsumerBuilder<string, string>(new Confluent.Kafka.ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = $"{prefix}-check",
        }).Build();
        consumer.Assign(new Confluent.Kafka.TopicPartitionOffset(flushed, 0, 0));
        var announcement = consumer.Consume(TimeSpan.FromSeconds(20));
        Assert.That(announcement, Is.Not.Null, "announced within 20 s");
        string? traceParent = FeedbackRedis.Ingestion.DeadLetterHeaders.Text(announcement.Message.Headers, "traceparent");
        Assert.Multiple(() =>
        {
            Assert.That(flusher.Log, Does.Contain("info: FeedbackRedis.Diagnostics.FeedbackTracingStartup[200] Tracing on: spans of FeedbackRedis and MongoDB.Driver exported over OTLP to http://127.0.0.1:9/ (http/protobuf) as service feedback-test; sampler parentbased_always_on, at most 128 links per span"));
            Assert.That(FeedbackTracing.ContextOf(traceParent), Is.Not.EqualTo(default(System.Diagnostics.ActivityContext)), $"a valid traceparent: {traceParent}");
            Assert.That(flusher.HasExited, Is.False, "an unreachable collector does not stop the service");
        });
    }

    private static async Task<string> ScrapeAsync(Uri baseUri) => await Http.GetStringAsync(new Uri(baseUri, "/metrics"));

    private static async Task<HttpStatusCode> StatusAsync(Uri baseUri, string path)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(baseUri, path));
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
        catch (TaskCanceledException)
        {
            return 0;
        }
    }

    /// <summary>The value of the first sample of <paramref name="name"/> whose labels contain <paramref name="label"/>.</summary>
    private static double? Value(string scrape, string name, string label)
    {
        foreach (Match m in Sample().Matches(scrape))
        {
            if (m.Groups["name"].Value == name && m.Groups["labels"].Value.Contains(label, StringComparison.Ordinal))
            {
                return double.Parse(m.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    [GeneratedRegex(@"^(?<name>[a-z_]+)(\{(?<labels>[^}]*)\})? (?<value>[-0-9.eE+]+|NaN)", RegexOptions.Multiline)]
    private static partial Regex Sample();

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Patience)
            {
                Assert.Fail($"not within {Patience}: {what}");
            }

            await Task.Delay(100);
        }
    }
}
