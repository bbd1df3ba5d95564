using Confluent.Kafka;
using FeedbackRedis.Batching;
using FeedbackRedis.Diagnostics;
using FeedbackRedis.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// The consumer role: a Kafka consumer group member over the reply and reaction topics that appends micro-batches to
/// Redis through the batch engine, dead-letters bad messages, and stores an offset only once everything before it is in
/// Redis or in the dead-letter topic (and, with <see cref="ConsumerOptions.CommitSafety"/>, has been for that long).
/// One loop owns the Kafka consumer; rebalance callbacks run inside its <c>Consume</c> calls, on the same thread.
/// Guarantees and failure behaviour: docs/INGESTION.md.
/// </summary>
public sealed partial class FeedbackConsumer : BackgroundService
{
    /// <summary>How long one poll waits when no micro-batch is under way (also paces a paused consumer).</summary>
    internal static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(100);

    /// <summary>How often the offsets Redis holds are compared with what this consumer recorded (catches a loss on idle partitions).</summary>
    internal static readonly TimeSpan RecordCheckInterval = TimeSpan.FromSeconds(1);

    private readonly RedisBatchStore _store;
    private readonly ConsumerOptions _options;
    private readonly KafkaOptions _kafka;
    private readonly FeedbackTopics _topics;
    private readonly EventClassifier _classifier;
    private readonly IngestionMetrics _metrics;
    private readonly ConsumerProgress _progress;
    private readonly TimeProvider _time;
    private readonly ILogger<FeedbackConsumer> _logger;
    private readonly TimeSpan _drainBudget;
    private readonly ResiliencePipeline _retry;
    private readonly BackpressureControl _backpressure;
    private readonly PartitionBook _book = new();
    private readonly AppendAcknowledger _appends;
    private readonly HeldMessages _held = new();
    private readonly Cadence _recordCheck;
    private readonly LagGauge _lag;
    private IConsumer<byte[]?, byte[]?>? _consumer;
    private DeadLetterDelivery? _deadLetters;
    private KafkaConsumerCalls? _kafkaCalls;
    private PartitionPositioner? _positioner;

    public FeedbackConsumer(
        RedisBatchStore store,
        IOptions<ConsumerOptions> options,
        IOptions<KafkaOptions> kafka,
        IOptions<HostOptions> host,
        IngestionMetrics metrics,
        ConsumerProgress progress,
        TimeProvider time,
        ILogger<FeedbackConsumer> logger,
        SourceIdentity source)
    {
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(kafka);
        ArgumentNullException.ThrowIfNull(host);
        _store = store;
        _options = options.Value;
        _kafka = kafka.Value;
        _topics = new FeedbackTopics(_kafka);
        _classifier = new EventClassifier(_topics, store.Options.MaxItemBytes, source);
        _metrics = metrics;
        _progress = progress;
        _time = time;
        _logger = logger;
        _drainBudget = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, (host.Value.ShutdownTimeout - TimeSpan.FromSeconds(2)).Ticks));
        _backpressure = new BackpressureControl(_options, store.GetCountsAsync, metrics, time, logger);
        _retry = AppendRetry.Create(time, OnAppendRetry);
        _appends = new AppendAcknowledger(new AppendWindow(store.AppendAsync, _options.AppendsInFlight), _book, _held, metrics, time, logger);
        _recordCheck = new Cadence(time, RecordCheckInterval);
        _lag = new LagGauge(metrics, time);
    }

    /// <summary>Why the partitions are paused right now (for tests and, later, health).</summary>
    public PauseReasons PauseReasons => _backpressure.Reasons;

    /// <summary>Appends in flight right now (for tests).</summary>
    internal int AppendsInFlight => _appends.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(IngestionKafkaConfig.DeadLetterProducer(_kafka, _options))
            .SetLogHandler(KafkaClientLog.Handler(_logger, "dlq-producer"))
            .SetErrorHandler((_, e) => LogKafkaError("dlq-producer", e.Code, e.Reason, e.IsFatal))
            .Build();
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(IngestionKafkaConfig.Consumer(_kafka, _options))
            .SetLogHandler(KafkaClientLog.Handler(_logger, "consumer"))
            .SetErrorHandler((_, e) => LogKafkaError("consumer", e.Code, e.Reason, e.IsFatal))
            .SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => OnRevoked([.. partitions.Select(p => p.TopicPartition)]))
            .SetPartitionsLostHandler((_, partitions) => OnLost([.. partitions.Select(p => p.TopicPartition)]))
            .SetOffsetsCommittedHandler((_, committed) => OnCommitted(committed))
            .Build();
        _consumer = consumer;
        _kafkaCalls = new KafkaConsumerCalls(consumer);
        _positioner = new PartitionPositioner(_kafkaCalls, new StoreOffsets(_store), _book, _held, _metrics, _time, _logger);
        _deadLetters = new DeadLetterDelivery(new DeadLetterPublisher(producer, _kafka.DeadLetterTopic, _kafka.GroupId, _metrics, _logger), _metrics, _logger);
        consumer.Subscribe(_topics.All);
        string topics = string.Join(", ", _topics.All);
        LogStarted(_kafka.GroupId, topics, _kafka.DeadLetterTopic, _options.MaxBatch, _options.MaxWait.TotalMilliseconds,
            _options.CommitSafety.TotalMilliseconds);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await RunOnceAsync(stoppingToken);
            }
        }
        finally
        {
            await ShutdownAsync(consumer, producer);
        }
    }

    /// <summary>One turn: poll (a micro-batch, or a keep-alive poll while paused), process, store, check backpressure.</summary>
    private async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            // After a failed turn, until what is held goes through: take nothing new, but keep polling (the consumer stays
            // in its group, and the poll's wait paces the loop, so a wedged turn never spins a core).
            _backpressure.Retrying(_held.Retrying);
            ApplyPauseState();
            if (_backpressure.Paused || _held.Count >= _options.MaxBatch)
            {
                if (Next(IdlePoll) is { } stray)
                {
                    _held.Add(stray); // fetched before the pause took effect: keep it, in order
                }
            }
            else
            {
                MicroBatch.Fill(_held.Messages, Next, _options.MaxBatch, _options.MaxWait, IdlePoll, _time, cancellationToken);
            }

            ApplyPauseState();
            await TakeBackDoneAsync(cancellationToken);
            if (_held.Count > 0 && _held.IsDue(_time.GetUtcNow()))
            {
                bool sent;
                if (Careful)
                {
                    await DrainWindowAsync(cancellationToken); // what failed of it is held again, in front
                    sent = await TryProcessHeldAsync(useRetry: !_backpressure.ShouldPause, cancellationToken);
                }
                else
                {
                    sent = await TrySendHeldAsync(cancellationToken);
                }

                if (!sent)
                {
                    _held.Postpone(_time.GetUtcNow());
                }
            }

            if (_book.Unresolved.Count > 0 && _held.IsDue(_time.GetUtcNow()) && !await TryResolvePositionsAsync(cancellationToken))
            {
                _held.Postpone(_time.GetUtcNow());
            }

            StoreDueOffsets();
            await CheckRecordedOffsetsAsync(cancellationToken);
            await _backpressure.CheckPendingAsync(_held.Count, cancellationToken);
            ApplyPauseState();
            _lag.RecordIfDue(_consumer!);
            ReportProgress();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // shutting down: ShutdownAsync drains what is held
        }
        catch (KafkaException ex) when (ex.Error.IsFatal)
        {
            LogFatal(ex);
            throw;
        }
        catch (Exception ex)
        {
            // Never let one turn kill the consumer: what is held stays held, nothing is stored past it.
            LogTurnFailed(ex);
            _held.TurnFailed(ex, _time.GetUtcNow());
            ReportProgress();
        }
    }

    /// <summary>Positions the partitions assigned since the last turn (<see cref="PartitionPositioner.TryResolveAsync"/>); pauses while Redis cannot be read.</summary>
    /// <returns>False when a partition stays unresolved.</returns>
    private async Task<bool> TryResolvePositionsAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _positioner!.TryResolveAsync(cancellationToken);
        }
        catch (BatchStoreUnavailableException ex)
        {
            _backpressure.RedisDown(_held.Count, ex.Message);
            return false;
        }
    }

    /// <summary>Every <see cref="RecordCheckInterval"/> while Redis is available: <see cref="PartitionPositioner.CheckRecordedAsync"/>.</summary>
    private async Task CheckRecordedOffsetsAsync(CancellationToken cancellationToken)
    {
        if (!_recordCheck.IsDue || _backpressure.RedisUnavailable)
        {
            return;
        }

        _recordCheck.Restart();
        await _positioner!.CheckRecordedAsync(DrainWindowAsync, cancellationToken);
    }

    /// <summary>Pauses or resumes the whole assignment as <see cref="BackpressureControl"/> decides.</summary>
    private void ApplyPauseState() => _backpressure.Apply(_kafkaCalls!);

    /// <summary>Called on every append retry: pause at once, do not wait for the retries to run out.</summary>
    private void OnAppendRetry(int attempt, Exception? exception, TimeSpan delay)
    {
        _backpressure.AppendRetrying(attempt, exception, delay);
        ApplyPauseState();
    }

    /// <summary>Tells <see cref="ConsumerProgress"/> (the liveness probe) whether what is held moves; logs once when it is stuck.</summary>
    private void ReportProgress()
    {
        switch (_held.Report(_progress, _backpressure.Reasons, out string? why))
        {
            case ProgressChange.Stuck:
                LogStuck(why!);
                _metrics.Stuck();
                break;
            case ProgressChange.Unstuck:
                LogUnstuck();
                break;
            default:
                break;
        }
    }

    /// <summary>Takes one message, waiting at most <paramref name="wait"/>; consume errors are logged, not thrown.</summary>
    private PendingMessage? Next(TimeSpan wait)
    {
        try
        {
            var result = _consumer!.Consume(wait);
            return result is null || result.IsPartitionEOF ? null : new PendingMessage(result);
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            LogConsumeError(ex.Error.Code, ex.Error.Reason);
            return null;
        }
    }

    private async Task ShutdownAsync(IConsumer<byte[]?, byte[]?> consumer, IProducer<byte[]?, byte[]?> producer)
    {
        LogStopping(_held.Count);
        using var drain = new CancellationTokenSource(_drainBudget, _time);
        try
        {
            await DrainWindowAsync(drain.Token);
            if (_held.Count > 0 && !_backpressure.RedisUnavailable)
            {
                await TryProcessHeldAsync(useRetry: false, drain.Token);
            }

            if (_book.DueAt(consumer.Assignment, _options.CommitSafety) is { } dueAt && dueAt > _time.GetUtcNow())
            {
                await Task.Delay(dueAt - _time.GetUtcNow(), _time, drain.Token);
            }
        }
        catch (OperationCanceledException)
        {
            LogDrainTimedOut(_drainBudget.TotalMilliseconds);
        }

        StoreDueOffsets();
        CommitOnShutdown(consumer);
        try
        {
            consumer.Close(); // leaves the group; librdkafka commits stored offsets of the released partitions first
        }
        catch (KafkaException ex)
        {
            LogCloseFailed(ex.Error.Reason);
        }

        producer.Flush(TimeSpan.FromSeconds(5));
        LogStopped();
    }
}
