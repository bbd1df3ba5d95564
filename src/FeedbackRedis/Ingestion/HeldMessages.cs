using Confluent.Kafka;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// What the consumer holds and Redis (or the dead-letter topic) has not yet acknowledged: the micro-batch being filled,
/// or the one a failed turn left, in the order taken from Kafka, with the hold-and-retry state around it: whether it
/// must go the careful way (<see cref="NeedsCare"/>), the last failure of a turn, when the next attempt is due, and
/// whether the liveness log said it was stuck. Messages are added in place (<see cref="Messages"/>), so a rebalance
/// callback that runs in the middle of a fill sees every message taken so far. Not thread-safe: the consumer loop owns
/// it (rebalance callbacks run on the loop's thread).
/// </summary>
public sealed class HeldMessages
{
    private readonly List<PendingMessage> _messages = [];
    private bool _failed;
    private bool _reportedStuck;

    /// <summary>The messages held, oldest first; <see cref="MicroBatch.Fill{T}"/> adds to it directly.</summary>
    public List<PendingMessage> Messages => _messages;

    public int Count => _messages.Count;

    /// <summary>The last failure of a turn (type and message), until nothing is held.</summary>
    public string? LastFailure { get; private set; }

    /// <summary>Before this, what is held is not tried again (after a failure: every <see cref="AppendRetry.PausedRetryInterval"/>).</summary>
    public DateTimeOffset NextAttemptAt { get; private set; }

    /// <summary>Something is held after a failed turn: take nothing new until it goes through.</summary>
    public bool Retrying => _messages.Count > 0 && LastFailure is not null;

    /// <summary>
    /// What is held goes the careful way (everything in flight back first, one append at a time, with retries): after an
    /// attempt or a turn failed, until it went through.
    /// </summary>
    public bool NeedsCare => _failed || LastFailure is not null;

    /// <summary>True when an attempt may be made at <paramref name="now"/>.</summary>
    public bool IsDue(DateTimeOffset now) => now >= NextAttemptAt;

    /// <summary>No attempt before <paramref name="now"/> + <see cref="AppendRetry.PausedRetryInterval"/>.</summary>
    public void Postpone(DateTimeOffset now) => NextAttemptAt = now + AppendRetry.PausedRetryInterval;

    /// <summary>A turn failed with <paramref name="exception"/>: remember why, and postpone the next attempt.</summary>
    public void TurnFailed(Exception exception, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(exception);
        LastFailure = $"{exception.GetType().Name}: {exception.Message}";
        Postpone(now);
    }

    /// <summary>An attempt could not even send what is held (not positioned, dead letters refused): the careful way next.</summary>
    public void AttemptFailed() => _failed = true;

    /// <summary>An attempt the careful way ended; <paramref name="done"/> when everything held was acknowledged.</summary>
    public void Attempted(bool done) => _failed = !done && _messages.Count > 0;

    /// <summary>Holds <paramref name="message"/> after the others.</summary>
    public void Add(PendingMessage message) => _messages.Add(message);

    /// <summary>
    /// Holds <paramref name="messages"/> (appends in flight that did not go through; taken from Kafka first) in front of
    /// what is held, in place, for the careful way.
    /// </summary>
    public void PutBack(IEnumerable<PendingMessage> messages)
    {
        _messages.InsertRange(0, messages);
        _failed = true;
    }

    /// <summary>Everything held was acknowledged.</summary>
    public void Clear() => _messages.Clear();

    /// <summary>Drops what is held of <paramref name="partitions"/>.</summary>
    /// <returns>How many messages were dropped.</returns>
    public int Drop(IReadOnlySet<TopicPartition> partitions) => _messages.RemoveAll(m => partitions.Contains(m.Partition));

    /// <summary>Drops what is held of <paramref name="partition"/>.</summary>
    /// <returns>How many messages were dropped.</returns>
    public int Drop(TopicPartition partition) => _messages.RemoveAll(m => m.Partition == partition);

    /// <summary>Drops what is held of <paramref name="partition"/> up to and including <paramref name="last"/> (Redis has it).</summary>
    public void DropUpTo(TopicPartition partition, long last) =>
        _messages.RemoveAll(m => m.Partition == partition && m.Result.Offset.Value <= last);

    /// <summary>The lowest offset held of <paramref name="partition"/>; -1 when none is held.</summary>
    public long First(TopicPartition partition)
    {
        long first = -1;
        foreach (var message in _messages)
        {
            if (message.Partition == partition && (first < 0 || message.Result.Offset.Value < first))
            {
                first = message.Result.Offset.Value;
            }
        }

        return first;
    }

    /// <summary>True when something held belongs to a partition <paramref name="match"/> picks.</summary>
    public bool Holds(Predicate<TopicPartition> match) => _messages.Exists(m => match(m.Partition));

    /// <summary>
    /// Tells <paramref name="progress"/> (the liveness probe) whether what is held moves, and says when the consumer
    /// becomes stuck (once) and when it moves again after that.
    /// </summary>
    /// <param name="why">With <see cref="ProgressChange.Stuck"/>: why, from <see cref="ConsumerProgress.Stuck"/>.</param>
    public ProgressChange Report(ConsumerProgress progress, PauseReasons reasons, out string? why)
    {
        ArgumentNullException.ThrowIfNull(progress);
        why = null;
        if (_messages.Count == 0)
        {
            progress.Moved();
            LastFailure = null;
            if (_reportedStuck)
            {
                _reportedStuck = false;
                return ProgressChange.Unstuck;
            }

            return ProgressChange.None;
        }

        progress.Held(_messages.Count, reasons, LastFailure);
        if (progress.Stuck() is { } stuck && !_reportedStuck)
        {
            _reportedStuck = true;
            why = stuck;
            return ProgressChange.Stuck;
        }

        return ProgressChange.None;
    }
}

/// <summary>What <see cref="HeldMessages.Report"/> found changed.</summary>
public enum ProgressChange
{
    /// <summary>Nothing to say.</summary>
    None,

    /// <summary>What is held stopped moving (said once until it moves again).</summary>
    Stuck,

    /// <summary>It moves again after it was said stuck.</summary>
    Unstuck,
}
