using System.Diagnostics.Metrics;

namespace FeedbackRedis.Ingestion;

/// <summary>The consumer's instruments, on the <c>FeedbackRedis</c> meter.</summary>
public sealed class IngestionMetrics
{
    /// <summary>The meter every FeedbackRedis instrument is on.</summary>
    public const string MeterName = "FeedbackRedis";

    private readonly Counter<long> _deadLetters;
    private readonly Counter<long> _appended;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _pauses;

    public IngestionMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _deadLetters = meter.CreateCounter<long>(
            "feedback.consumer.dead_letters", "{message}", "Messages sent to the dead-letter topic, by reason.");
        _appended = meter.CreateCounter<long>(
            "feedback.consumer.appended", "{event}", "Events added to open batches in Redis.");
        _duplicates = meter.CreateCounter<long>(
            "feedback.consumer.duplicates", "{event}", "Redelivered events skipped because their id was already in the open batch.");
        _pauses = meter.CreateCounter<long>(
            "feedback.consumer.pauses", "{pause}", "Times the consumer paused its partitions, by reason.");
    }

    public void DeadLettered(DeadLetterReason reason) =>
        _deadLetters.Add(1, new KeyValuePair<string, object?>("reason", reason.Name()));

    public void Appended(int added, int duplicates)
    {
        _appended.Add(added);
        if (duplicates > 0)
        {
            _duplicates.Add(duplicates);
        }
    }

    public void Paused(PauseReasons reasons) =>
        _pauses.Add(1, new KeyValuePair<string, object?>("reason", reasons.ToString()));
}
