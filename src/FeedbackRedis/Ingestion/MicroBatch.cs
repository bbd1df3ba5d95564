namespace FeedbackRedis.Ingestion;

/// <summary>Collects a micro-batch: up to a count, or until a time after its first message, whichever comes first.</summary>
public static class MicroBatch
{
    /// <summary>
    /// Waits up to <paramref name="idleWait"/> for a first message, then takes more until <paramref name="into"/> holds
    /// <paramref name="maxCount"/> or <paramref name="maxWait"/> has passed since the first arrived. Each message is
    /// added to <paramref name="into"/> as soon as it is taken, so a caller that looks at the list meanwhile (a
    /// rebalance handler) sees every message taken so far.
    /// </summary>
    /// <param name="into">Where messages go; it may already hold messages, which count towards <paramref name="maxCount"/>.</param>
    /// <param name="next">Takes the next message, waiting at most the given time; null when none came.</param>
    /// <returns>How many messages were added.</returns>
    public static int Fill<T>(
        List<T> into,
        Func<TimeSpan, T?> next,
        int maxCount,
        TimeSpan maxWait,
        TimeSpan idleWait,
        TimeProvider time,
        CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(time);
        if (into.Count >= maxCount || cancellationToken.IsCancellationRequested)
        {
            return 0;
        }

        if (next(idleWait) is not { } first)
        {
            return 0;
        }

        into.Add(first);
        int added = 1;
        long started = time.GetTimestamp();
        while (into.Count < maxCount && !cancellationToken.IsCancellationRequested)
        {
            var remaining = maxWait - time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            if (next(remaining) is { } message)
            {
                into.Add(message);
                added++;
            }
        }

        return added;
    }
}
