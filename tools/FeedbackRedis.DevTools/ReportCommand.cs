using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FeedbackRedis.Configuration;
using FeedbackRedis.Control;
using FeedbackRedis.DevTools.Checks;
using FeedbackRedis.Flushing;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Kafka;
using FeedbackRedis.Sinks.File;
using FeedbackRedis.Sinks.MongoDb;
using Microsoft.Extensions.Configuration;
using MongoDB.Bson;
using MongoDB.Driver;

namespace FeedbackRedis.DevTools;

/// <summary>
/// <c>feedback-dev report</c> (was <c>feedbackctl dev report</c>): checks a run end to end and summarises it, counted
/// from the sink and Kafka themselves: every id in the manifest must be in the sink; dead letters by reason from the
/// dead-letter topic; batches by trigger and batch latency from <c>feedback.batch.flushed</c>. Exit 1 when any valid
/// event is missing from the sink, or (with <c>--produced</c>) when the dead letters do not match the malformed events
/// sent. <c>--dead-manifest</c> checks each dead letter at its source coordinates against the reason it must have
/// (<see cref="DeadLetterCheck"/>); with MongoDB the aggregates are checked against a recount from the events collection
/// (<see cref="AggregateAudit"/>); <c>--json-out</c> writes the counts for scripts (scripts/chaos.sh).
/// </summary>
internal static class ReportCommand
{
    private const string ReasonHeader = "dlq.reason";

    public static Command Create(DevContext factory)
    {
        var manifest = new Option<FileInfo>("--manifest") { Description = "Ids of the valid events sent (feedback-dev produce --manifest)", Required = true };
        var sinkFile = new Option<string?>("--sink-file") { Description = "The file sink's file; without it, MongoDB (FEEDBACK_MONGODB_URI) is read" };
        var produced = new Option<FileInfo?>("--produced") { Description = "The JSON summary of feedback-dev produce --json" };
        var seconds = new Option<double?>("--seconds") { Description = "Wall time of the run, for the throughput line" };
        var bootstrap = new Option<string?>("--bootstrap") { Description = "Kafka bootstrap servers (default: FEEDBACK_KAFKA_BOOTSTRAP_SERVERS)" };
        var countOnly = new Option<bool>("--count-only") { Description = "Print only how many manifest ids are in the sink" };
        var deadManifests = new Option<FileInfo[]>("--dead-manifest")
        {
            Description = "Where each message that must be dead-lettered landed, and its reason (feedback-dev produce --dead-manifest; repeatable)",
            AllowMultipleArgumentsPerToken = true,
        };
        var jsonOut = new Option<FileInfo?>("--json-out") { Description = "Also write the counts as one JSON object to this file" };
        var report = new Command("report", "Check a run end to end: every valid event in the sink; dead letters, batches and latency from Kafka.")
        {
            manifest, sinkFile, produced, seconds, bootstrap, countOnly, deadManifests, jsonOut,
        };
        report.SetAction(async (parse, cancellationToken) =>
        {
            var configuration = new ConfigurationBuilder().AddFeedbackEnvironment().Build();
            var kafka = configuration.GetSection(KafkaOptions.Section).Get<KafkaOptions>() ?? new KafkaOptions();
            if (parse.GetValue(bootstrap) is { } servers)
            {
                kafka.BootstrapServers = servers;
            }

            var deadExpected = new List<DeadLetterCheck.Expectation>();
            foreach (var dm in parse.GetValue(deadManifests) ?? [])
            {
                if (!dm.Exists)
                {
                    throw new CtlUsageException($"--dead-manifest {dm.FullName} does not exist");
                }

                try
                {
                    deadExpected.AddRange(DeadLetterCheck.Parse(await File.ReadAllLinesAsync(dm.FullName, cancellationToken), dm.FullName));
                }
                catch (FormatException ex)
                {
                    throw new CtlUsageException($"--dead-manifest {ex.Message}");
                }
            }

            var manifestFile = parse.GetValue(manifest)!;
            if (!manifestFile.Exists)
            {
                throw new CtlUsageException($"--manifest {manifestFile.FullName} does not exist");
            }

            var expected = await File.ReadAllLinesAsync(manifestFile.FullName, cancellationToken);
            string? file = parse.GetValue(sinkFile);
            bool mongo = string.IsNullOrEmpty(file);
            var sink = mongo
                ? await CountInMongoAsync(configuration, expected, audit: !parse.GetValue(countOnly), cancellationToken)
                : await CountInFileAsync(file!, expected, cancellationToken);
            int present = sink.Present;
            string sinkLine = sink.Detail;
            if (parse.GetValue(countOnly))
            {
                await factory.Output.WriteLineAsync(present.ToString(CultureInfo.InvariantCulture));
                return CtlExit.Ok;
            }

            var o = factory.Output;
            long? malformedSent = null;
            if (parse.GetValue(produced) is { Exists: true } producedFile)
            {
                using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(producedFile.FullName, cancellationToken));
                var p = doc.RootElement;
                malformedSent = p.GetProperty("malformed").GetInt64();
                await o.WriteLineAsync(
                    $"produced        {p.GetProperty("sent").GetInt64(),12:N0} events: {p.GetProperty("valid").GetInt64():N0} valid, {malformedSent:N0} malformed");
            }

            // A dead letter is at least once, like everything else: a replayed malformed message (a rebalance, a crash
            // before the commit) is dead-lettered again. Count source messages, by their dlq.source.* coordinates.
            var copies = ReadTopic(kafka, kafka.DeadLetterTopic);
            var deadLetters = copies.DistinctBy(SourceOf, StringComparer.Ordinal).ToList();
            bool deadLettersMatch = malformedSent is not { } expectedDead || expectedDead == deadLetters.Count;
            if (!deadLettersMatch)
            {
                await o.WriteLineAsync($"error: {malformedSent:N0} malformed events were sent but {deadLetters.Count:N0} distinct dead letters are in {kafka.DeadLetterTopic}");
            }

            string redelivered = copies.Count > deadLetters.Count ? $"; {copies.Count - deadLetters.Count:N0} more copies of them, redelivered" : "";
            var reasons = deadLetters
                .GroupBy(ReasonOf)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Key} {g.Count():N0}");
            await o.WriteLineAsync($"dead-lettered   {deadLetters.Count,12:N0} ({string.Join(", ", reasons)}){redelivered}");
            DeadLetterCheck.Result? deadCheck = null;
            if (parse.GetValue(deadManifests) is { Length: > 0 })
            {
                deadCheck = DeadLetterCheck.Compare(deadExpected, copies.Select(m => (SourceOf(m), ReasonOf(m))));
                await o.WriteLineAsync($"dead-letter check {deadCheck.Describe()}{(deadCheck.Passed ? "" : "   <- DEAD LETTERS DO NOT MATCH")}");
                foreach (string example in deadCheck.Examples)
                {
                    await o.WriteLineAsync($"  {example}");
                }
            }

            await o.WriteLineAsync($"in the sink     {present,12:N0} of {expected.Length:N0} valid events {sinkLine}");
            int missing = expected.Length - present;
            await o.WriteLineAsync($"missing         {missing,12:N0}{(missing > 0 ? "   <- NOT ALL VALID EVENTS ARRIVED" : "")}");
            if (sink.Unexpected is { } unexpected)
            {
                await o.WriteLineAsync($"unexpected      {unexpected,12:N0} events in the sink whose id is in no manifest{(unexpected > 0 ? "   <- NEVER SENT" : "")}");
            }

            if (sink.Aggregates is { } audit)
            {
                await o.WriteLineAsync(
                    $"aggregates      {audit.Agents,12:N0} agents against a recount from the events collection: {audit.Mismatched:N0} differ{(audit.Passed ? "" : "   <- AGGREGATES WRONG")}");
                foreach (string example in audit.Examples)
                {
                    await o.WriteLineAsync($"  {example}");
                }
            }

            var flushed = ReadTopic(kafka, kafka.FlushedTopic)
                .Select(m => FlushedBatchMessage.FromJson(m.Value))
                .OfType<FlushedBatchMessage>()
                .GroupBy(m => m.BatchId, StringComparer.Ordinal)
                .Select(g => g.OrderBy(m => m.Attempt).First())
                .ToList();
            var triggers = flushed.GroupBy(m => m.Trigger).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count():N0}");
            await o.WriteLineAsync($"batches flushed {flushed.Count,12:N0} by trigger: {string.Join(", ", triggers)}");
            if (flushed.Count > 0)
            {
                var latencies = flushed.Select(m => (m.FlushedAt - m.OpenedAt).TotalSeconds).Order().ToArray();
                double mean = flushed.Average(m => m.EventCount);
                await o.WriteLineAsync(
                    $"batch latency   p50 {Percentile(latencies, 0.50):0.00} s, p99 {Percentile(latencies, 0.99):0.00} s, max {latencies[^1]:0.00} s (flushed minus first item's arrival); mean size {mean:0.0} events");
            }

            if (parse.GetValue(seconds) is { } wall && wall > 0)
            {
                await o.WriteLineAsync($"throughput      {present / wall,12:N0} events/s end to end ({wall:0.0} s from the first event sent to the last flushed)");
            }

            if (parse.GetValue(jsonOut) is { } outFile)
            {
                var counts = new ReportCounts(
                    mongo ? "mongodb" : "file", expected.Length, present, sink.Distinct, sink.Unexpected, sink.Lines, sink.Rewrites, sink.Torn,
                    deadLetters.Count, deadCheck, sink.Aggregates);
                await File.WriteAllTextAsync(outFile.FullName, JsonSerializer.Serialize(counts, CtlContext.JsonOptions), cancellationToken);
            }

            return missing == 0 && deadLettersMatch && deadCheck?.Passed != false && sink.Aggregates?.Passed != false && sink.Unexpected is null or 0
                ? CtlExit.Ok
                : CtlExit.Failed;
        });
        return report;
    }

    /// <summary>What <c>--json-out</c> writes (null where the sink cannot tell: re-writes in MongoDB are upserts).</summary>
    private sealed record ReportCounts(
        string Sink, long Valid, long Present, long? Distinct, long? Unexpected, long? Lines, long? Rewrites, long? Torn,
        long DeadLetters, DeadLetterCheck.Result? DeadCheck, AggregateAudit.Result? Aggregates);

    /// <summary>What the sink holds of a run.</summary>
    private sealed record SinkCounts(
        int Present, string Detail, long? Distinct = null, long? Unexpected = null, long? Lines = null, long? Rewrites = null, long? Torn = null,
        AggregateAudit.Result? Aggregates = null);

    private static async Task<SinkCounts> CountInFileAsync(string path, string[] expected, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return new SinkCounts(0, "(the sink file does not exist yet)", 0, 0, 0, 0, 0);
        }

        var summary = await FileSinkReader.ReadAsync(path, cancellationToken: cancellationToken);
        int present = expected.Count(summary.EventIds.Contains);
        var wanted = expected.ToHashSet(StringComparer.Ordinal);
        long unexpected = summary.EventIds.Count(id => !wanted.Contains(id));
        return new SinkCounts(
            present, $"(file sink: {summary.Lines:N0} lines, {summary.Rewrites:N0} re-writes, {summary.DistinctEvents:N0} distinct ids, {summary.TornLines:N0} torn)",
            summary.DistinctEvents, unexpected, summary.Lines, summary.Rewrites, summary.TornLines);
    }

    private static async Task<SinkCounts> CountInMongoAsync(IConfiguration configuration, string[] expected, bool audit, CancellationToken cancellationToken)
    {
        var options = configuration.GetSection(MongoSinkOptions.Section).Get<MongoSinkOptions>() ?? new MongoSinkOptions();
        if (string.IsNullOrEmpty(options.Uri))
        {
            throw new CtlUsageException("without --sink-file the report reads MongoDB: set FEEDBACK_MONGODB_URI");
        }

        var database = new MongoClient(options.Uri).GetDatabase(options.Database);
        var events = database.GetCollection<BsonDocument>(options.EventsCollection);
        if (!audit)
        {
            long present = 0;
            foreach (var chunk in expected.Chunk(1000))
            {
                present += await events.CountDocumentsAsync(
                    Builders<BsonDocument>.Filter.In("_id", chunk.Select(id => (BsonValue)id)), cancellationToken: cancellationToken);
            }

            return new SinkCounts((int)present, $"(MongoDB {options.Database}.{options.EventsCollection})");
        }

        // The whole run's events (a chaos row's database is its own): ids for the counts, agent and type for the recount.
        var all = await events.Find(FilterDefinition<BsonDocument>.Empty)
            .Project(Builders<BsonDocument>.Projection.Include("_id").Include("agentId").Include("type"))
            .ToListAsync(cancellationToken);
        var agents = await database.GetCollection<BsonDocument>(options.AgentsCollection).Find(FilterDefinition<BsonDocument>.Empty)
            .ToListAsync(cancellationToken);
        var ids = all.Select(d => d["_id"].ToString()!).ToHashSet(StringComparer.Ordinal);
        var wanted = expected.ToHashSet(StringComparer.Ordinal);
        int inSink = wanted.Count(ids.Contains);
        return new SinkCounts(
            inSink, $"(MongoDB {options.Database}.{options.EventsCollection}: {ids.Count:N0} distinct ids)", ids.Count,
            ids.Count(id => !wanted.Contains(id)), Aggregates: AggregateAudit.Compare(all, agents));
    }

    private static string ReasonOf(Message<string?, string> letter) =>
        letter.Headers.TryGetLastBytes(ReasonHeader, out var r) ? Encoding.UTF8.GetString(r) : "(no reason header)";

    /// <summary>Every message of a topic, from the beginning to its end now.</summary>
    /// <summary>A dead letter's source message: <c>topic/partition/offset</c> from its <c>dlq.source.*</c> headers.</summary>
    private static string SourceOf(Message<string?, string> letter) =>
        $"{Header(letter, DeadLetterHeaders.SourceTopic)}/{Header(letter, DeadLetterHeaders.SourcePartition)}/{Header(letter, DeadLetterHeaders.SourceOffset)}";

    private static string Header(Message<string?, string> letter, string name) =>
        letter.Headers.TryGetLastBytes(name, out var value) ? Encoding.UTF8.GetString(value) : "?";

    private static List<Message<string?, string>> ReadTopic(KafkaOptions kafka, string topic)
    {
        var config = new ConsumerConfig(kafka.ClientSettings())
        {
            GroupId = "feedback-dev-report",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        using var consumer = new ConsumerBuilder<string?, string>(config).SetLogHandler((_, _) => { }).Build();
        using var admin = new AdminClientBuilder(new AdminClientConfig(kafka.ClientSettings())).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions
            .Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var ends = partitions.ToDictionary(p => p.Partition.Value, p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value);
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
        var messages = new List<Message<string?, string>>();
        var remaining = ends.Where(e => e.Value > 0).Select(e => e.Key).ToHashSet();
        long started = TimeProvider.System.GetTimestamp();
        while (remaining.Count > 0 && TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(60))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is not { } result)
            {
                continue;
            }

            messages.Add(result.Message);
            if (result.Offset.Value + 1 >= ends[result.Partition.Value])
            {
                remaining.Remove(result.Partition.Value);
            }
        }

        return messages;
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
