namespace FeedbackRedis.Flushing;

/// <summary>
/// Exponential backoff with jitter: attempt n waits between half and all of <c>base * 2^(n-1)</c>, capped at the
/// maximum ("equal jitter"), so flushers that failed together do not retry together.
/// </summary>
/// <remarks>
/// Not a Polly pipeline on purpose: the delay is not waited out in the call that failed. It becomes a batch's next
/// deadline in Redis (the attempt count travels with the batch, across flusher processes), or the flusher's pause
/// before its next round; Polly retries inside one call. In-call retries (the consumer's append) use Polly.
/// </remarks>
public sealed class RetryBackoff(TimeSpan baseDelay, TimeSpan maxDelay, Func<double>? random = null)
{
    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;

    /// <summary>The delay before attempt <paramref name="failures"/> + 1, after that many failures (1 or more).</summary>
    public TimeSpan Delay(int failures)
    {
        int exponent = Math.Clamp(failures - 1, 0, 30);
        double ceiling = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds((ceiling / 2) + (_random() * ceiling / 2));
    }
}
