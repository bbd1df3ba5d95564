using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FeedbackRedis.Configuration;
using FeedbackRedis.Control;
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
/// sent.
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
        var report = new Command("report", "Check a run end to end: every valid event in the sink; dead letters, batches and latency from Kafka.")
        {
            manifest, sinkFile, produced, seconds, bootstrap, countOnly,
        };
        report.SetAction(async (parse, cancellationToken) =>
        {
            var configuration = new ConfigurationBuilder().AddFeedbackEnvironment().Build();
            var kafka = configuration.GetSection(KafkaOptions.Section).Get<KafkaOptions>() ?? new KafkaOptions();
            if (parse.GetValue(bootstrap) is { } servers)
            {
                kafka.BootstrapServers = servers;
            }

            var manifestFile = parse.GetValue(manifest)!;
            if (!manifestFile.Exists)
            {
                throw new CtlUsageException($"--manifest {manifestFile.FullName} does not exist");
            }

            var expected = await File.ReadAllLinesAsync(manifestFile.FullName, cancellationToken);
            string? file = parse.GetValue(sinkFile);
            var (present, sinkLine) = string.IsNullOrEmpty(file)
                ? await CountInMongoAsync(configuration, expected, cancellationToken)
                : await CountInFileAsync(file, expected, cancellationToken);
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
                .GroupBy(m => m.Headers.TryGetLastBytes(ReasonHeader, out var r) ? Encoding.UTF8.GetString(r) : "(no reason header)")
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Key} {g.Count():N0}");
            await o.WriteLineAsync($"dead-lettered   {deadLetters.Count,12:N0} ({string.Join(", ", reasons)}){redelivered}");
            await o.WriteLineAsync($"in the sink     {present,12:N0} of {expected.Length:N0} valid events {sinkLine}");
            int missing = expected.Length - present;
            await o.WriteLineAsync($"missing         {missing,12:N0}{(missing > 0 ? "   <- NOT ALL VALID EVENTS ARRIVED" : "")}");

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

            return missing == 0 && deadLettersMatch ? CtlExit.Ok : CtlExit.Failed;
        });
        return report;
    }

    private static async Task<(int Present, string Detail)> CountInFileAsync(string path, string[] expected, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return (0, "(the sink file does not exist yet)");
        }

        var summary = await FileSinkReader.ReadAsync(path, cancellationToken: cancellationToken);
        int present = expected.Count(summary.EventIds.Contains);
        return (present, $"(file sink: {summary.Lines:N0} lines, {summary.Rewrites:N0} re-writes, {summary.DistinctEvents:N0} distinct ids)");
    }

    private static async Task<(int Present, string Detail)> CountInMongoAsync(IConfiguration configuration, string[] expected, CancellationToken cancellationToken)
    {
        var options = configuration.GetSection(MongoSinkOptions.Section).Get<MongoSinkOptions>() ?? new MongoSinkOptions();
        var events = new MongoClient(options.Uri).GetDatabase(options.Database).GetCollection<BsonDocument>(options.EventsCollection);
        long present = 0;
        foreach (var chunk in expected.Chunk(1000))
        {
            present += await events.CountDocumentsAsync(
                Builders<BsonDocument>.Filter.In("_id", chunk.Select(id => (BsonValue)id)), cancellationToken: cancellationToken);
        }

        return ((int)present, $"(MongoDB {options.Database}.{options.EventsCollection})");
    }

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
