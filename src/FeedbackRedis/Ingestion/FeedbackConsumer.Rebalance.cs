using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Ingestion;

public sealed partial class FeedbackConsumer
{
    /// <summary>Cooperative: <paramref name="partitions"/> are added to the assignment (paused too if the consumer is paused).</summary>
    private void OnAssigned(List<TopicPartition> partitions)
    {
        if (partitions.Count == 0)
        {
            return; // the second half of a cooperative rebalance that brought nothing new
        }

        string described = PartitionPositions.Describe(partitions);
        LogAssigned(partitions.Count, described);
        _book.Assigned(partitions); // positioned after Redis's record of them before anything of them is appended
        _backpressure.AssignmentChanged();
    }

    /// <summary>Results of every commit librdkafka made (periodic, on revocation, on close).</summary>
    private void OnCommitted(CommittedOffsets committed)
    {
        if (committed.Error.IsError)
        {
            LogCommitFailed("auto-commit", committed.Error.Reason);
            return;
        }

        foreach (var failed in committed.Offsets.Where(o => o.Error.IsError))
        {
            LogCommitFailed($"auto-commit of {failed.Topic}[{failed.Partition.Value}]", failed.Error.Reason);
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            string offsets = string.Join(", ", committed.Offsets.Select(c => $"{c.Topic}[{c.Partition.Value}]@{c.Offset.Value}"));
            LogAutoCommitted(committed.Offsets.Count, offsets);
        }
    }

    /// <summary>
    /// Before <paramref name="partitions"/> go to another member (rebalance or shutdown): finish what is held for them if
    /// Redis can take it, wait out the commit safety margin, and store their final offsets. librdkafka (auto-commit on)
    /// commits the stored offsets of removed partitions itself and rejoins the group only once that commit is done, so
    /// the next owner starts exactly after what this member acknowledged. No synchronous commit is made here: inside
    /// the callback during <c>Close()</c> it can block. What cannot be finished is dropped unacknowledged, so the next
    /// owner reads it again.
    /// </summary>
    private void OnRevoked(List<TopicPartition> partitions)
    {
        try
        {
            // Appends in flight first, in order: their offsets are stored below (what failed of them is held again).
            DrainWindowAsync(CancellationToken.None).GetAwaiter().GetResult();
            var revoked = partitions.ToHashSet();
            if (_held.Holds(revoked.Contains) && !_backpressure.Unavailable)
            {
                TryProcessHeldAsync(useRetry: false, CancellationToken.None).GetAwaiter().GetResult();
            }

            if (_book.DueAt(partitions, _options.CommitSafety) is { } dueAt && dueAt > _time.GetUtcNow())
            {
                Task.Delay(dueAt - _time.GetUtcNow(), _time).GetAwaiter().GetResult();
            }

            int stored = StoreDueOffsets();
            LogRevocationStored(partitions.Count, stored);
        }
        catch (Exception ex)
        {
            LogRevocationFailed(ex);
        }
        finally
        {
            Release(partitions, "revoked");
        }
    }

    /// <summary>The group moved <paramref name="partitions"/> away without a revocation (session lost): nothing may be committed.</summary>
    private void OnLost(List<TopicPartition> partitions)
    {
        try
        {
            // Appends in flight come back first (in order), so none of them acknowledges a lost partition afterwards.
            DrainWindowAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            LogRevocationFailed(ex);
        }
        finally
        {
            Release(partitions, "lost");
        }
    }

    /// <summary>Forgets everything held or waiting for <paramref name="partitions"/>: they are no longer this member's.</summary>
    private void Release(List<TopicPartition> partitions, string how)
    {
        int dropped = _held.Drop(partitions.ToHashSet());
        _book.Released(partitions);
        string described = PartitionPositions.Describe(partitions);
        LogReleased(how, partitions.Count, described, dropped);
    }
}
