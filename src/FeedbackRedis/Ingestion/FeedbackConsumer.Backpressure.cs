using FeedbackRedis.Batching;

namespace FeedbackRedis.Ingestion;

public sealed partial class FeedbackConsumer
{
    /// <summary>Reads the pending count every <see cref="ConsumerOptions.PendingCheckInterval"/> (not while an append is held for an unavailable Redis).</summary>
    private async Task CheckPendingAsync(CancellationToken cancellationToken)
    {
        if (!_pendingCheck.IsDue)
        {
            return;
        }

        if (_held.Count > 0 && _gate.Reasons.HasFlag(PauseReasons.RedisUnavailable))
        {
            return; // the held append is the probe
        }

        _pendingCheck.Restart();
        try
        {
            var counts = await _store.GetCountsAsync(cancellationToken);
            // Exact with appends in flight: they were sent on the same connection before this read, so Redis ran them
            // first, and nothing is sent while the loop waits for it.
            _gate.ObservePending(counts.PendingEvents);
            _gate.ObserveDead(counts.DeadEvents);
            if (_gate.Reasons.HasFlag(PauseReasons.RedisUnavailable) && _held.Count == 0)
            {
                LogRedisBack();
                _gate.Set(PauseReasons.RedisUnavailable, false);
            }
        }
        catch (BatchStoreUnavailableException ex)
        {
            if (!_gate.Reasons.HasFlag(PauseReasons.RedisUnavailable))
            {
                LogRedisUnavailable(_held.Count, ex.Message);
            }

            _gate.Set(PauseReasons.RedisUnavailable, true);
        }
    }

    /// <summary>Pauses the whole assignment while the gate says so (including partitions assigned meanwhile); resumes it after.</summary>
    private void ApplyPauseState()
    {
        var consumer = _consumer!;
        var step = _pause.Decide(_gate.ShouldPause);
        if (step.Action == PauseAction.Pause)
        {
            var assignment = consumer.Assignment;
            consumer.Pause(assignment);
            if (step.Announce)
            {
                _metrics.Paused(_gate.Reasons);
                LogPaused(assignment.Count, PauseReasonNames.Describe(_gate.Reasons), _gate.LastPending);
            }
        }
        else if (step.Action == PauseAction.Resume)
        {
            var assignment = consumer.Assignment;
            consumer.Resume(assignment);
            if (step.Announce)
            {
                LogResumed(assignment.Count, _gate.LastPending);
            }
        }

        _pause.Applied(step);
    }

    /// <summary>Called on every append retry: pause at once, do not wait for the retries to run out.</summary>
    private void OnAppendRetry(int attempt, Exception? exception, TimeSpan delay)
    {
        LogAppendRetry(attempt, delay.TotalMilliseconds, exception?.Message ?? "");
        _gate.Set(PauseReasons.RedisUnavailable, true);
        ApplyPauseState();
    }
}
