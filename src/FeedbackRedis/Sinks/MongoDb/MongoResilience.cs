using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// The pipeline every MongoDB call of the sink runs through: retry (exponential backoff with jitter) of transient
/// errors, outside a circuit breaker that opens when most recent calls found MongoDB unreachable. While it is open,
/// calls fail at once with <see cref="BrokenCircuitException"/> (not retried), which the flusher treats as the sink
/// being unavailable: leases are given back and claiming pauses.
/// </summary>
internal static class MongoResilience
{
    public static ResiliencePipeline Create(MongoSinkOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(MongoErrorClassifier.IsTransient),
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(5),
            });
        }

        return builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(MongoErrorClassifier.IsUnavailable),
                FailureRatio = 0.5,
                MinimumThroughput = 4,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(15),
            })
            .Build();
    }
}
