using FeedbackRedis.Batching;
using Polly;
using Polly.Retry;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// The retry around one append: exponential backoff with jitter on <see cref="BatchStoreUnavailableException"/>
/// (about 0.1, 0.2, 0.4 s). Short on purpose: when it gives up, the consumer pauses its partitions and tries the same
/// micro-batch again every <see cref="PausedRetryInterval"/>, polling Kafka in between so its group membership lives.
/// </summary>
public static class AppendRetry
{
    /// <summary>Retries after the first attempt.</summary>
    public const int MaxRetryAttempts = 3;

    /// <summary>How often a paused consumer tries the held micro-batch again.</summary>
    public static readonly TimeSpan PausedRetryInterval = TimeSpan.FromSeconds(1);

    /// <summary>The pipeline; <paramref name="onRetry"/> hears of every retry.</summary>
    public static ResiliencePipeline Create(TimeProvider time, Action<int, Exception?, TimeSpan> onRetry) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<BatchStoreUnavailableException>(),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(2),
                MaxRetryAttempts = MaxRetryAttempts,
                OnRetry = args =>
                {
                    onRetry(args.AttemptNumber + 1, args.Outcome.Exception, args.RetryDelay);
                    return default;
                },
            })
            .Build();
}
