namespace FeedbackRedis.Ingestion;

/// <summary>
/// A check made at most once per <paramref name="interval"/> from a loop that turns more often: due at first, then
/// <paramref name="interval"/> after each <see cref="Restart"/>. Not thread-safe: one loop owns it.
/// </summary>
public sealed class Cadence(TimeProvider time, TimeSpan interval)
{
    private long _last;
    private bool _started;

    /// <summary>True before the first check, and once the interval has passed since the last one.</summary>
    public bool IsDue => !_started || time.GetElapsedTime(_last) >= interval;

    /// <summary>The check is made now.</summary>
    public void Restart()
    {
        _last = time.GetTimestamp();
        _started = true;
    }
}
