namespace FeedbackRedis.Ingestion;

/// <summary>
/// Whether the consumer moves what it holds. The consumer loop reports each turn (<see cref="Held"/> while messages
/// wait, <see cref="Moved"/> once they are acknowledged); the liveness probe asks <see cref="Stuck"/>. Messages held
/// for longer than <see cref="ConsumerOptions.StuckAfter"/> while nothing outside explains it (Redis, the dead-letter
/// topic or the high-water mark: those pause the consumer and it waits, healthy) mean the process is wedged, and
/// Kubernetes should restart it. Thread-safe: written by the consumer loop, read by the probe.
/// </summary>
public sealed class ConsumerProgress(TimeProvider time, ConsumerOptions options)
{
    private const PauseReasons Explained = PauseReasons.RedisUnavailable | PauseReasons.DeadLetterUnavailable | PauseReasons.HighWater;

    private readonly Lock _lock = new();
    private DateTimeOffset? _heldSince;
    private int _held;
    private PauseReasons _reasons;
    private string? _lastFailure;

    /// <summary>Messages are held, not yet acknowledged; <paramref name="reasons"/> are why the consumer is paused, if it is.</summary>
    public void Held(int messages, PauseReasons reasons, string? lastFailure = null)
    {
        lock (_lock)
        {
            _heldSince ??= time.GetUtcNow();
            _held = messages;
            _reasons = reasons;
            _lastFailure = lastFailure ?? _lastFailure;
        }
    }

    /// <summary>Everything held was acknowledged (or nothing was held).</summary>
    public void Moved()
    {
        lock (_lock)
        {
            _heldSince = null;
            _held = 0;
            _reasons = PauseReasons.None;
            _lastFailure = null;
        }
    }

    /// <summary>How long the oldest held messages have waited; zero when nothing is held.</summary>
    public TimeSpan HeldFor
    {
        get
        {
            lock (_lock)
            {
                return _heldSince is { } since ? time.GetUtcNow() - since : TimeSpan.Zero;
            }
        }
    }

    /// <summary>Why the consumer is stuck, or null when it is moving or waits for a reason outside it.</summary>
    public string? Stuck()
    {
        lock (_lock)
        {
            if (_heldSince is not { } since || (_reasons & Explained) != PauseReasons.None)
            {
                return null;
            }

            var held = time.GetUtcNow() - since;
            return held < options.StuckAfter
                ? null
                : $"{_held} message(s) held for {held.TotalSeconds:0} s without progress (FEEDBACK_CONSUMER_STUCK_MS is {options.StuckAfter.TotalMilliseconds:0}) while Redis and the dead-letter topic are reachable; last failure: {_lastFailure ?? "none recorded"}";
        }
    }
}
