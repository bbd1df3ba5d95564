using FeedbackRedis.Items;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using Polly;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// Writes batch groups to MongoDB: event documents keyed by event id (upserts with <c>$setOnInsert</c>), then each
/// (batch, agent) contribution to the agent's aggregate exactly once, at any distance in time, without a multi-document
/// transaction (docs/FLUSHING.md, "MongoDB: each contribution counted once"). A group normally costs seven round trips
/// whatever its size: one unordered bulk write of its events, two reads (first writers, batch markers), two bulk writes
/// of agent aggregates, one read-back of the agents' guards and one bulk write of batch markers; a late replay, a
/// completion or a compaction adds a few. Every call runs through <see cref="MongoResilience"/>, inside one causally
/// consistent session whose deciding reads use read concern majority (<see cref="MongoReads"/>).
/// </summary>
public sealed partial class MongoFeedbackSink : IFeedbackSink
{
    private static readonly BulkWriteOptions Unordered = new() { IsOrdered = false };
    private readonly IMongoClient _client;
    private readonly IMongoCollection<BsonDocument> _events;
    private readonly IMongoCollection<BsonDocument> _agents;
    private readonly IMongoCollection<BsonDocument> _batches;
    private readonly IMongoCollection<BsonDocument> _contributions;
    private readonly IMongoCollection<BsonDocument> _eventsRead;
    private readonly IMongoCollection<BsonDocument> _agentsRead;
    private readonly IMongoCollection<BsonDocument> _batchesRead;
    private readonly IMongoCollection<BsonDocument> _contributionsRead;
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

        _client = client;
        var database = client.GetDatabase(_options.Database)
            .WithWriteConcern(writeConcern)
            .WithReadPreference(ReadPreference.Primary);
        _events = database.GetCollection<BsonDocument>(_options.EventsCollection);
        _agents = database.GetCollection<BsonDocument>(_options.AgentsCollection);
        _batches = database.GetCollection<BsonDocument>(_options.BatchesCollection);
        _contributions = database.GetCollection<BsonDocument>(_options.ContributionsCollection);
        _eventsRead = MongoReads.Deciding(_events);
        _agentsRead = MongoReads.Deciding(_agents);
        _batchesRead = MongoReads.Deciding(_batches);
        _contributionsRead = MongoReads.Deciding(_contributions);
        _pipeline = MongoResilience.Create(_options, time);
        _time = time;
        _logger = logger;
    }

    public string Name => "mongodb";

    /// <summary>The collections every deciding read goes through (for tests: their read concern is majority).</summary>
    internal IReadOnlyList<IMongoCollection<BsonDocument>> DecidingReads => [_eventsRead, _agentsRead, _batchesRead, _contributionsRead];

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
        var lifetime = MongoRetention.RecordLifetime(_options);
        try
        {
            await RunAsync(ct => _contributions.Indexes.CreateManyAsync(MongoIndexes.Contributions(lifetime), ct), cancellationToken);
        }
        catch (MongoCommandException ex) when (ex.Code == MongoIndexes.IndexOptionsConflict)
        {
            await RunAsync(
                ct => _contributions.Database.RunCommandAsync<BsonDocument>(MongoIndexes.RetentionChange(_options.ContributionsCollection, lifetime), cancellationToken: ct),
                cancellationToken);
            LogRetentionChanged(_options.ContributionsCollection, _options.ContributionRetentionDays);
        }

        LogIndexesReady(_options.Database, _options.EventsCollection, _options.AgentsCollection, _options.BatchesCollection, _options.ContributionsCollection);
    }

    public async Task<IReadOnlyList<BatchWriteResult>> WriteAsync(IReadOnlyList<FeedbackBatch> batches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var write = new GroupWrite(batches);
        var now = _time.GetUtcNow().UtcDateTime;

        IClientSessionHandle? session = null;
        try
        {
            session = await RunAsync(ct => _client.StartSessionAsync(MongoReads.SessionOptions(), ct), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            write.FailAll(MongoErrorClassifier.Classify(ex), $"starting a session: {ex.Message}");
            LogStepFailed(ex, "session", batches.Count);
        }

        if (session is not null)
        {
            using (session)
            {
                await WriteEventsAsync(write, session, now, cancellationToken);
                if (write.Live.Count > 0)
                {
                    await ApplyAggregatesAsync(write, batches, session, now, cancellationToken);
                }
            }
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
    private async Task WriteEventsAsync(GroupWrite write, IClientSessionHandle session, DateTime now, CancellationToken cancellationToken)
    {
        var models = new List<WriteModel<BsonDocument>>();
        var owners = new List<FeedbackBatch>();
        var events = new List<ClaimedEvent>();
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

        await BulkAsync(_events, session, models, owners, write, "events", cancellationToken, events);
    }

    /// <summary>
    /// The event's upsert, or null when its document cannot be built (a value BSON cannot hold, or any other failure of
    /// this one event): then the item is refused with the reason, and the group goes on.
    /// </summary>
    internal static UpdateOneModel<BsonDocument>? EventUpsertOrReject(GroupWrite write, FeedbackBatch batch, ClaimedEvent e, DateTime now)
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

    /// <summary>
    /// One unordered bulk write; each write error fails only the batch whose operation it was (a duplicate key is
    /// success: the document is there), or, in the event step (<paramref name="events"/> given), refuses only the item
    /// when the error concerns that event's document (<see cref="GroupWrite.Charge"/>). An error of the whole call
    /// (network, no primary, write concern) fails every batch still live.
    /// </summary>
    private async Task BulkAsync(
        IMongoCollection<BsonDocument> collection,
        IClientSessionHandle session,
        List<WriteModel<BsonDocument>> models,
        List<FeedbackBatch> owners,
        GroupWrite write,
        string step,
        CancellationToken cancellationToken,
        List<ClaimedEvent>? events = null)
    {
        KeepLive(models, owners, write, events);
        if (models.Count == 0)
        {
            return;
        }

        try
        {
            await RunAsync(ct => collection.BulkWriteAsync(session, models, Unordered, ct), cancellationToken);
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
    private static void KeepLive(List<WriteModel<BsonDocument>> models, List<FeedbackBatch> owners, GroupWrite write, List<ClaimedEvent>? events = null)
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
