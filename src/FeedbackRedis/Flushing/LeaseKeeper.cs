using FeedbackRedis.Batching;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Flushing;

/// <summary>
/// Holds a claimed group's leases while the group is written, announced and acked: renews them every third of the
/// lease duration. <see cref="LeaseLost"/> is cancelled when a renewal finds a lease taken over, or when no renewal
/// has succeeded for 80 % of the lease (Redis unreachable), measured on the local clock from before the request that
/// last extended it, so the flusher stops before another flusher can claim the batch. Durations, not clock readings,
/// are compared, so a skew between this host and Redis's clock does not matter.
/// </summary>
internal sealed partial class LeaseKeeper : IAsyncDisposable
{
    private readonly RedisBatchStore _store;
    private readonly List<BatchLease> _leases;
    private readonly Lock _lock = new();
    private readonly TimeSpan _period;
    private readonly TimeSpan _safe;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lost;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _renewals;

    private LeaseKeeper(RedisBatchStore store, IEnumerable<BatchLease> leases, TimeSpan lease, long claimStarted, TimeProvider time, ILogger logger)
    {
        _store = store;
        _leases = [.. leases];
        _period = lease / 3;
        _safe = lease - (lease / 5);
        _time = time;
        _logger = logger;
        _lost = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        ExtendDeadline(claimStarted);
        _loop = RunAsync();
    }

    /// <summary>Cancelled once the leases can no longer be counted on.</summary>
    public CancellationToken LeaseLost => _lost.Token;

    /// <summary>Successful renewal rounds so far.</summary>
    public int Renewals => Volatile.Read(ref _renewals);

    /// <summary>Starts keeping <paramref name="leases"/>, claimed by a request sent at <paramref name="claimStarted"/> (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public static LeaseKeeper Start(
        RedisBatchStore store, IEnumerable<BatchLease> leases, TimeSpan lease, long claimStarted, TimeProvider time, ILogger logger) =>
        new(store, leases, lease, claimStarted, time, logger);

    /// <summary>Stops renewing a lease (before it is acked or released).</summary>
    public void Forget(BatchLease lease)
    {
        lock (_lock)
        {
            _leases.Remove(lease);
        }
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(_period, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token) && !_lost.IsCancellationRequested)
            {
                await RenewAllAsync();
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // disposed
        }
    }

    private async Task RenewAllAsync()
    {
        BatchLease[] leases;
        lock (_lock)
        {
            leases = [.. _leases];
        }

        if (leases.Length == 0)
        {
            return;
        }

        long started = _time.GetTimestamp();
        DateTimeOffset?[] renewed;
        try
        {
            renewed = await Task.WhenAll(leases.Select(l => _store.RenewAsync(l)));
        }
        catch (Exception ex) when (ex is BatchStoreUnavailableException or TimeoutException)
        {
            LogRenewFailed(ex, leases.Length);
            return;
        }

        var lost = leases.Where((l, i) => renewed[i] is null).Select(l => l.BatchId).ToList();
        if (lost.Count > 0)
        {
            bool stillHeld;
            lock (_lock)
            {
                stillHeld = lost.Any(id => _leases.Exists(l => l.BatchId == id));
            }

            if (stillHeld)
            {
                LogLeaseLost(string.Join(", ", lost));
                _lost.Cancel();
                return;
            }
        }

        Interlocked.Increment(ref _renewals);
        ExtendDeadline(started);
    }

    private void ExtendDeadline(long requestStarted)
    {
        var remaining = _safe - _time.GetElapsedTime(requestStarted);
        if (remaining <= TimeSpan.Zero)
        {
            _lost.Cancel();
            return;
        }

        _lost.CancelAfter(remaining);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _lost.Dispose();
    }
}
