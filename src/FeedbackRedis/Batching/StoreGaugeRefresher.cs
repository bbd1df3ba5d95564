using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Batching;

/// <summary>Reads the store's counts every 5 s for the gauges in <see cref="StoreMetrics"/>.</summary>
public sealed partial class StoreGaugeRefresher(RedisBatchStore store, StoreMetrics metrics, TimeProvider time, ILogger<StoreGaugeRefresher> logger)
    : BackgroundService
{
    /// <summary>How often the counts are read.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                metrics.Update(await store.GetCountsAsync(stoppingToken));
            }
            catch (BatchStoreUnavailableException ex)
            {
                LogCountsUnavailable(ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
