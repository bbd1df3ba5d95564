using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Kafka;

/// <summary>
/// At the consumer's start, before its loop: settles the source id of fallback event ids. <c>FEEDBACK_SOURCE_ID</c> when
/// set (no broker call); else the Kafka cluster id, asked once of the brokers with the service's own client settings and
/// retried for up to <see cref="Budget"/>. A cluster that cannot be reached within the budget, or whose id is not a
/// usable source id, stops start-up (<see cref="SourceIdUnavailableException"/>, exit code 1) with a sentence saying to
/// set <c>FEEDBACK_SOURCE_ID</c>: the service never invents one, because a made-up source would repeat ids across
/// clusters, the very aliasing the source id exists to prevent.
/// </summary>
public sealed partial class SourceIdResolver(
    IOptions<KafkaOptions> options, SourceIdentity identity, TimeProvider time, ILogger<SourceIdResolver> logger) : IHostedService
{
    /// <summary>How long start-up waits for a broker to say the cluster id.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var kafka = options.Value;
        if (kafka.SourceId.Length > 0)
        {
            identity.Set(kafka.SourceId);
            LogConfigured(kafka.SourceId);
            return;
        }

        string clusterId = await SourceIds.FetchClusterIdAsync(kafka, time, Budget, cancellationToken);
        if (SourceIds.Explain(clusterId) is { } problem)
        {
            throw new SourceIdUnavailableException(
                $"the Kafka cluster id '{clusterId}' cannot be the source id of fallback event ids ({problem}; allowed: {SourceIds.Allowed}). Set FEEDBACK_SOURCE_ID.");
        }

        if (SourceIds.ExplainLength(clusterId, kafka) is { } tooLong)
        {
            throw new SourceIdUnavailableException($"the Kafka cluster id '{clusterId}' as source id: {tooLong}. Set a shorter FEEDBACK_SOURCE_ID.");
        }

        identity.Set(clusterId);
        LogLearnt(clusterId);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
