using FeedbackRedis.Batching;

namespace FeedbackRedis.Ingestion;

public sealed partial class FeedbackConsumer
{
    /// <summary>Reads the pending count every <see cref="ConsumerOptions.PendingCheckInterval"/> (not while an append is held for an unavailable Redis).</summary>
    private async Task CheckPendingAsync(CancellationToken cancellationToken)
    {
        if (_lastPendingCheck != 0 && _time.GetElapsedTime(_lastPendingCheck) < _options.PendingCheckInterval)
        {
            return;
        }

        if (_carry.Count > 0 && _gate.Reasons.HasFlag(PauseReasons.RedisUnavailable))
        {
            return; // the held append is the probe
        }

        _lastPendingCheck = _time.GetTimestamp();
        try
        {
            var counts = await _store.GetCountsAsync(cancellationToken);
            // Exact with appends in flight: they were sent on the same connection before this read, so Redis ran them
            // first, and nothing is sent while the loop waits for it.
            _gate.ObservePending(counts.PendingEvents);
            _gate.ObserveDead(counts.DeadEvents);
            if (_gate.Reasons.HasFlag(PauseReasons.RedisUnavailable) && _carry.Count == 0)
            {
                LogRedisBack();
                _gate.Set(PauseReasons.RedisUnavailable, false);
            }
        }
        catch (BatchStoreUnavailableException ex)
        {
            if (!_gate.Reasons.HasFlag(PauseReasons.RedisUnavailable))
            {
                LogRedisUnavailable(_carry.Count, ex.Message);
            }

            _gate.Set(PauseReasons.RedisUnavailable, true);
        }
    }

    /// <summary>Pauses the whole assignment while the gate says so (including partitions assigned meanwhile); resumes it after.</summary>
    private void ApplyPauseState()
    {
        var consumer = _consumer!;
        if (_gate.ShouldPause)
        {
            if (!_paused || _assignmentChanged)
            {
                var assignment = consumer.Assignment;
                consumer.Pause(assignment);
                if (!_paused)
                {
                    _metrics.Paused(_gate.Reasons);
                    LogPaused(assignment.Count, PauseReasonNames.Describe(_gate.Reasons), _gate.LastPending);
                }

                _paused = true;
            }
        }
        else if (_paused || _assignmentChanged)
        {
            // Also on every new assignment: librdkafka keeps a partition's pause flag across assignments, so a partition
            // paused here, revoked and assigned back later would otherwise never be fetched again.
            var assignment = consumer.Assignment;
            consumer.Resume(assignment);
            if (_paused)
            {
                LogResumed(assignment.Count, _gate.LastPending);
            }

            _paused = false;
        }

        _assignmentChanged = false;
    }

    /// <summary>Called on every append retry: pause at once, do not wait for the retries to run out.</summary>
    private void OnAppendRetry(int attempt, Exception? exception, TimeSpan delay)
    {
        LogAppendRetry(attempt, delay.TotalMilliseconds, exception?.Message ?? "");
        _gate.Set(PauseReasons.RedisUnavailable, true);
        ApplyPauseState();
    }
}
