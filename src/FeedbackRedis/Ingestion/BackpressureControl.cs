using FeedbackRedis.Batching;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// Owns whether the consumer's partitions are paused, and why: the reasons (<see cref="BackpressureGate"/>: Redis or the
/// dead-letter topic unavailable, pending or dead work at its mark, a failed turn retrying), the periodic read of the
/// pending and dead counts that feeds them, Redis's availability as the consumer meets it (said once when it goes and
/// once when it is back), and turning the reasons into a pause or resume of the whole assignment
/// (<see cref="PauseSwitch"/>, <see cref="Apply"/>). Kafka is reached only through <see cref="IKafkaAssignment"/> and
/// Redis through a count reader, so it is testable with fakes. Not thread-safe: the consumer loop owns it.
/// </summary>
public sealed partial class BackpressureControl
{
    private readonly BackpressureGate _gate;
    private readonly PauseSwitch _pause = new();
    private readonly Cadence _pendingCheck;
    private readonly Func<CancellationToken, Task<StoreCounts>> _readCounts;
    private readonly IngestionMetrics _metrics;
    private readonly ILogger _logger;

    /// <param name="readCounts">Reads the store's counts (<see cref="RedisBatchStore.GetCountsAsync"/>).</param>
    /// <param name="logger">The consumer's logger: these are the consumer's log events (same category and range).</param>
    public BackpressureControl(
        ConsumerOptions options, Func<CancellationToken, Task<StoreCounts>> readCounts, IngestionMetrics metrics, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _gate = new BackpressureGate(options.PendingHighWater, options.PendingLowWater, options.DeadHighWater);
        _pendingCheck = new Cadence(time, options.PendingCheckInterval);
        _readCounts = readCounts;
        _metrics = metrics;
        _logger = logger;
    }

    /// <inheritdoc cref="BackpressureGate.Reasons"/>
    public PauseReasons Reasons => _gate.Reasons;

    /// <inheritdoc cref="BackpressureGate.ShouldPause"/>
    public bool ShouldPause => _gate.ShouldPause;

    /// <inheritdoc cref="BackpressureGate.ShouldPauseForUnavailability"/>
    public bool Unavailable => _gate.ShouldPauseForUnavailability();

    /// <summary>True while Redis is known to be unavailable.</summary>
    public bool RedisUnavailable => _gate.Reasons.HasFlag(PauseReasons.RedisUnavailable);

    /// <summary>True while the assignment is paused (or about to be).</summary>
    public bool Paused => _pause.Paused;

    /// <summary>Something is held after a failed turn (<paramref name="on"/>): take nothing new until it goes through.</summary>
    public void Retrying(bool on) => _gate.Set(PauseReasons.Retrying, on);

    /// <inheritdoc cref="BackpressureGate.Added"/>
    public void Added(long events) => _gate.Added(events);

    /// <summary>The dead-letter topic took what it was given (<paramref name="available"/>) or refused it.</summary>
    public void DeadLetterTopic(bool available) => _gate.Set(PauseReasons.DeadLetterUnavailable, !available);

    /// <summary>Redis could not take or give something while <paramref name="held"/> messages are held: say so and pause.</summary>
    public void RedisDown(int held, string error)
    {
        LogRedisUnavailable(held, error);
        _gate.Set(PauseReasons.RedisUnavailable, true);
    }

    /// <summary>Redis took something in: if it was unavailable, say it is back and stop pausing for it.</summary>
    public void RedisUp()
    {
        if (RedisUnavailable)
        {
            LogRedisBack();
            _gate.Set(PauseReasons.RedisUnavailable, false);
        }
    }

    /// <summary>An append is retried (<see cref="AppendRetry"/>): pause at once, do not wait for the retries to run out.</summary>
    public void AppendRetrying(int attempt, Exception? exception, TimeSpan delay)
    {
        LogAppendRetry(attempt, delay.TotalMilliseconds, exception?.Message ?? "");
        _gate.Set(PauseReasons.RedisUnavailable, true);
    }

    /// <summary>
    /// Reads the pending and dead counts every <see cref="ConsumerOptions.PendingCheckInterval"/>; not while an append is
    /// held (<paramref name="held"/> &gt; 0) for an unavailable Redis: the held append is the probe.
    /// </summary>
    public async Task CheckPendingAsync(int held, CancellationToken cancellationToken)
    {
        if (!_pendingCheck.IsDue)
        {
            return;
        }

        if (held > 0 && RedisUnavailable)
        {
            return; // the held append is the probe
        }

        _pendingCheck.Restart();
        try
        {
            var counts = await _readCounts(cancellationToken);
            // Exact with appends in flight: they were sent on the same connection before this read, so Redis ran them
            // first, and nothing is sent while the loop waits for it.
            _gate.ObservePending(counts.PendingEvents);
            _gate.ObserveDead(counts.DeadEvents);
            if (held == 0)
            {
                RedisUp();
            }
        }
        catch (BatchStoreUnavailableException ex)
        {
            if (!RedisUnavailable)
            {
                LogRedisUnavailable(held, ex.Message);
            }

            _gate.Set(PauseReasons.RedisUnavailable, true);
        }
    }

    /// <summary>Pauses the whole assignment while there is a reason to (including partitions assigned meanwhile); resumes it after.</summary>
    public void Apply(IKafkaAssignment kafka)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        var step = _pause.Decide(_gate.ShouldPause);
        if (step.Action == PauseAction.Pause)
        {
            var assignment = kafka.Assignment;
            kafka.PauseFetching(assignment);
            if (step.Announce)
            {
                _metrics.Paused(_gate.Reasons);
                LogPaused(assignment.Count, PauseReasonNames.Describe(_gate.Reasons), _gate.LastPending);
            }
        }
        else if (step.Action == PauseAction.Resume)
        {
            var assignment = kafka.Assignment;
            kafka.ResumeFetching(assignment);
            if (step.Announce)
            {
                LogResumed(assignment.Count, _gate.LastPending);
            }
        }

        _pause.Applied(step);
    }

    /// <summary>Partitions were assigned: the next <see cref="Apply"/> pauses them too if the consumer is paused.</summary>
    public void AssignmentChanged() => _pause.AssignmentChanged();
}
