using FeedbackRedis.Batching;
using FeedbackRedis.Configuration;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Flushing;

/// <summary>
/// Every batch must be announceable: the summary form of a full batch (<see cref="FlushedBatchMessage.WorstCaseSummaryBytes"/>)
/// plus the record's key and headers (<see cref="KafkaFlushedBatchPublisher.EnvelopeReserveBytes"/>) must fit the
/// announcement producer's <see cref="FlusherOptions.AnnouncementMaxBytes"/>. Otherwise a written batch could never be
/// announced, and would be written again every cycle.
/// </summary>
public sealed class AnnouncementSizeValidator(IOptions<BatchingOptions> batching) : IValidateOptions<FlusherOptions>
{
    public ValidateOptionsResult Validate(string? name, FlusherOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int batchSize = batching.Value.BatchSize;
        int needed = FlushedBatchMessage.WorstCaseSummaryBytes(batchSize) + KafkaFlushedBatchPublisher.EnvelopeReserveBytes;
        return options.AnnouncementMaxBytes >= needed
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{FeedbackEnvironment.Describe($"{FlusherOptions.Section}:{nameof(options.AnnouncementMaxBytes)}")} is {options.AnnouncementMaxBytes:N0} bytes; "
                + $"announcing a full batch of {FeedbackEnvironment.Describe($"{BatchingOptions.Section}:{nameof(BatchingOptions.BatchSize)}")} = {batchSize:N0} events "
                + $"needs at least {needed:N0} bytes (its summary form, without id lists, plus key and headers).");
    }
}
