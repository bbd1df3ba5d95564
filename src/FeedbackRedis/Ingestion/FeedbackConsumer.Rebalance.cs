using Confluent.Kafka;

namespace FeedbackRedis.Ingestion;

public sealed partial class FeedbackConsumer
{
    /// <summary>Cooperative: <paramref name="partitions"/> are added to the assignment (paused too if the consumer is paused).</summary>
    private void OnAssigned(List<TopicPartition> partitions)
    {
        string described = Describe(partitions);
        LogAssigned(partitions.Count, described);
        _assignmentChanged = true;
    }

    /// <summary>
    /// Before <paramref name="partitions"/> go to another member (rebalance or shutdown): finish what is held for them if
    /// Redis can take it, wait out the commit safety margin, store and commit. What cannot be finished is dropped
    /// unacknowledged, so the next owner reads it again from the committed offset.
    /// </summary>
    private void OnRevoked(List<TopicPartition> partitions)
    {
        try
        {
            var revoked = partitions.ToHashSet();
            if (_carry.Exists(m => revoked.Contains(m.Partition)) && !_gate.ShouldPauseForUnavailability())
            {
                TryProcessCarryAsync(useRetry: false, CancellationToken.None).GetAwaiter().GetResult();
            }

            if (_ledger.DueAt(partitions, _options.CommitSafety) is { } dueAt && dueAt > _time.GetUtcNow())
            {
                Task.Delay(dueAt - _time.GetUtcNow(), _time).GetAwaiter().GetResult();
            }

            StoreDueOffsets();
            Commit("revocation");
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
    private void OnLost(List<TopicPartition> partitions) => Release(partitions, "lost");

    /// <summary>Forgets everything held or waiting for <paramref name="partitions"/>: they are no longer this member's.</summary>
    private void Release(List<TopicPartition> partitions, string how)
    {
        var set = partitions.ToHashSet();
        int dropped = _carry.RemoveAll(m => set.Contains(m.Partition));
        _ledger.Forget(partitions);
        string described = Describe(partitions);
        LogReleased(how, partitions.Count, described, dropped);
    }

    private static string Describe(IEnumerable<TopicPartition> partitions) =>
        string.Join(", ", partitions.Select(p => $"{p.Topic}[{p.Partition.Value}]"));
}
