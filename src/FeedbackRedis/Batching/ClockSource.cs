namespace FeedbackRedis.Batching;

/// <summary>Which clock stamps deadlines and leases (<c>FEEDBACK_CLOCK</c>).</summary>
public enum ClockSource
{
    /// <summary>
    /// The Redis server's <c>TIME</c>, read inside each script: one clock for every pod, so pods whose clocks drift
    /// can neither seal early nor steal a lease that has not expired. The default.
    /// </summary>
    Redis,

    /// <summary>The process's injected <see cref="TimeProvider"/>: for tests (a fake clock) and single-host runs.</summary>
    Local,
}
