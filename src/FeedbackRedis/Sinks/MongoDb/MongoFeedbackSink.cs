using FeedbackRedis.Items;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using Polly;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// Writes batch groups to MongoDB: event documents keyed by event id (upserts with <c>$setOnInsert</c>), then each
/// agent's aggregate, counting every event once without a multi-document transaction (docs/SINKS.md). A group costs a
/// fixed six round trips whatever its size: one unordered bulk write of its events, two reads (first writers, batch
/// markers), two bulk writes of agent aggregates and one of batch markers. Every call runs through
/// <see cref="MongoResilience"/>.
/// </summary>
public sealed partial class MongoFeedbackSink : IFeedbackSink
{
    private static readonly BulkWriteOptions Unordered = new() { IsOrdered = false };
    private readonly IMongoCollection<BsonDocument> _events;
    private readonly IMongoCollection<BsonDocument> _agents;
    private readonly IMongoCollection<BsonDocument> _batches;
    private readonly MongoSinkOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public MongoFeedbackSink(IMongoClient client, IOptions<MongoSinkOptions> options, TimeProvider time, ILogger<MongoFeedbackSink> logger)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        if (!MongoWriteConcerns.TryParse(_options.WriteConcern, out var writeConcern))
        {
            throw new ArgumentException($"write concern '{_options.WriteConcern}' is not majority or 1 to 50", nameof(options));
        }

        var database = client.GetDatabase(_options.Database)
            .WithWriteConcern(writeConcern)
            .WithReadPreference(ReadPreference.Primary);
        _events = database.GetCollection<BsonDocument>(_options.EventsCollection);
        _agents = database.GetCollection<BsonDocument>(_options.AgentsCollection);
        _batches = database.GetCollection<BsonDocument>(_options.BatchesCollection);
        _pipeline = MongoResilience.Create(_options, time);
        _time = time;
        _logger = logger;
    }

    public string Name => "mongodb";

    public async Task<string?> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await _events.Database.RunCommandAsync((Command<BsonDocument>)"{ ping: 1 }", cancellationToken: timeout.Token);
            return null;
        }
        catch (Exception ex) when (ex is MongoException or TimeoutException or OperationCanceledException)
        {
            return $"MongoDB ping failed: {ex.GetType().Name}";
        }
    }

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        await RunAsync(ct => _events.Indexes.CreateManyAsync(MongoIndexes.Events, ct), cancellationToken);
        await RunAsync(ct => _batches.Indexes.CreateManyAsync(MongoIndexes.Batches, ct), cancellationToken);
        LogIndexesReady(_options.Database, _options.EventsCollection, _options.AgentsCollection, _options.BatchesCollection);
    }

    public async Task<IReadOnlyList<BatchWriteResult>> WriteAsync(IReadOnlyList<FeedbackBatch> batches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var write = new GroupWrite(batches);
        var now = _time.GetUtcNow().UtcDateTime;

        await WriteEventsAsync(write, now, cancellationToken);
        if (write.Live.Count > 0)
        {
            await ApplyAggregatesAsync(write, now, cancellationToken);
        }

        var results = write.Results();
        for (int i = 0; i < results.Count; i++)
        {
            if (results[i].RejectedItems is { Count: > 0 } rejected)
            {
                LogItemsRejected(results[i].BatchId, rejected.Count, batches[i].Events.Count, rejected[0].Reason);
            }
        }

        return results;
    }

    /// <summary>
    /// Step 1: every event of the group in one unordered bulk of upserts. An event whose document cannot be built, or
    /// whose document the server refuses for its own data, is refused alone (<see cref="GroupWrite.Reject"/>).
    /// </summary>
    private async Task WriteEventsAsync(GroupWrite write, DateTime now, CancellationToken cancellationToken)
    {
        var models = new List<WriteModel<BsonDocument>>();
        var owners = new List<FeedbackBatch>();
        var events = new List<BatchedEvent>();
        foreach (var batch in write.Live)
        {
            foreach (var e in batch.Events)
            {
                if (EventUpsertOrReject(write, batch, e, now) is { } model)
                {
                    models.Add(model);
                    owners.Add(batch);
                    events.Add(e);
                }
            }
        }

        await BulkAsync(_events, models, owners, write, "events", cancellationToken, events);
    }

    /// <summary>
    /// The event's upsert, or null when its document cannot be built (a value BSON cannot hold, or any other failure of
    /// this one event): then the item is refused with the reason, and the group goes on.
    /// </summary>
    internal static UpdateOneModel<BsonDocument>? EventUpsertOrReject(GroupWrite write, FeedbackBatch batch, BatchedEvent e, DateTime now)
    {
        try
        {
            return MongoWriteModels.EventUpsert(e, batch, now);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            string why = ex is UnstorableItemException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
            write.Reject(batch, e.ItemIndex, $"events: the document of event {e.EventId} (item #{e.ItemIndex}) cannot be built: {why}");
            return null;
        }
    }

    /// <summary>Steps 2 to 4: find what each batch wrote first, add it to the agents once, then mark the batch.</summary>
    private async Task ApplyAggregatesAsync(GroupWrite write, DateTime now, CancellationToken cancellationToken)
    {
        List<BsonDocument> firstWriters, markers;
        try
        {
            var ids = write.Live.SelectMany(write.Kept).Select(e => e.EventId).Distinct(StringComparer.Ordinal).ToList();
            firstWriters = await RunAsync(
                ct => _events.Find(MongoWriteModels.EventsByIdFilter(ids)).Project(MongoWriteModels.FirstWriterProjection()).ToListAsync(ct),
                cancellationToken);
            var keys = write.Live.Select(MongoWriteModels.BatchKey).ToList();
            markers = await RunAsync(
                ct => _batches.Find(MongoWriteModels.EventsByIdFilter(keys)).Project(new BsonDocument("_id", 1)).ToListAsync(ct),
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            write.FailAll(MongoErrorClassifier.Classify(ex), $"reading first writers: {ex.Message}");
            LogStepFailed(ex, "read", write.Live.Count);
            return;
        }

        var byId = firstWriters.ToDictionary(d => d["_id"].AsString, StringComparer.Ordinal);
        var applied = markers.Select(d => d["_id"].AsString).ToHashSet(StringComparer.Ordinal);
        var pending = new List<(FeedbackBatch Batch, IReadOnlyList<AgentContribution> Contributions)>();
        foreach (var batch in write.Live.Where(b => !applied.Contains(MongoWriteModels.BatchKey(b))))
        {
            var kept = write.Kept(batch).ToList();
            var owned = kept
                .Where(e => byId.TryGetValue(e.EventId, out var doc) && MongoWriteModels.WrittenFirstBy(doc, batch))
                .Select(e => e.EventId)
                .ToHashSet(StringComparer.Ordinal);
            pending.Add((batch, MongoWriteModels.Contributions(kept, owned)));
        }

        var ensures = new List<WriteModel<BsonDocument>>();
        var ensureOwners = new List<FeedbackBatch>();
        var applies = new List<WriteModel<BsonDocument>>();
        var applyOwners = new List<FeedbackBatch>();
        foreach (var (batch, contributions) in pending)
        {
            string key = MongoWriteModels.BatchKey(batch);
            foreach (var contribution in contributions)
            {
                ensures.Add(MongoWriteModels.EnsureAgent(contribution.AgentId, now));
                ensureOwners.Add(batch);
                applies.Add(MongoWriteModels.ApplyContribution(contribution, key, _options.AppliedBatchesKept, _options.MaxReactionNames, now));
                applyOwners.Add(batch);
            }
        }

        await BulkAsync(_agents, ensures, ensureOwners, write, "agents (ensure)", cancellationToken);
        KeepLive(applies, applyOwners, write);
        await BulkAsync(_agents, applies, applyOwners, write, "agents (apply)", cancellationToken);

        var marks = new List<WriteModel<BsonDocument>>();
        var markOwners = new List<FeedbackBatch>();
        foreach (var (batch, contributions) in pending.Where(p => write.IsLive(p.Batch)))
        {
            marks.Add(MongoWriteModels.BatchMarker(batch, contributions.Sum(c => c.Events), contributions.Select(c => c.AgentId), write.Rejected(batch).Count, now));
            markOwners.Add(batch);
        }

        await BulkAsync(_batches, marks, markOwners, write, "batch markers", cancellationToken);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var live = write.Live;
            int events = live.Sum(b => b.Events.Count);
            long counted = pending.Sum(p => p.Contributions.Sum(c => c.Events));
            LogGroupWritten(live.Count, events, counted);
        }
    }

    /// <summary>
    /// One unordered bulk write; each write error fails only the batch whose operation it was (a duplicate key is
    /// success: the document is there), or, in the event step (<paramref name="events"/> given), refuses only the item
    /// when the error concerns that event's document (<see cref="GroupWrite.Charge"/>). An error of the whole call
    /// (network, no primary, write concern) fails every batch still live.
    /// </summary>
    private async Task BulkAsync(
        IMongoCollection<BsonDocument> collection,
        List<WriteModel<BsonDocument>> models,
        List<FeedbackBatch> owners,
        GroupWrite write,
        string step,
        CancellationToken cancellationToken,
        List<BatchedEvent>? events = null)
    {
        KeepLive(models, owners, write, events);
        if (models.Count == 0)
        {
            return;
        }

        try
        {
            await RunAsync(ct => collection.BulkWriteAsync(models, Unordered, ct), cancellationToken);
        }
        catch (MongoBulkWriteException ex) when (ex.WriteConcernError is null)
        {
            var (failed, _) = write.Charge(ex.WriteErrors, owners, events, step);
            if (failed > 0)
            {
                LogStepFailed(ex, step, failed);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            write.FailAll(MongoErrorClassifier.Classify(ex), $"{step}: {ex.Message}", owners);
            LogStepFailed(ex, step, owners.Count);
        }
    }

    /// <summary>Drops the operations of batches that failed in an earlier step.</summary>
    private static void KeepLive(List<WriteModel<BsonDocument>> models, List<FeedbackBatch> owners, GroupWrite write, List<BatchedEvent>? events = null)
    {
        for (int i = models.Count - 1; i >= 0; i--)
        {
            if (!write.IsLive(owners[i]))
            {
                models.RemoveAt(i);
                owners.RemoveAt(i);
                events?.RemoveAt(i);
            }
        }
    }

    private async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(async ct => await operation(ct), cancellationToken);
}
