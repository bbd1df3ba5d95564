using FeedbackRedis.Sinks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FeedbackRedis.Flushing;

/// <summary>
/// The flusher role: prepares the sink (retrying with backoff until it answers), then runs a
/// <see cref="BatchFlusher"/> round every <see cref="FlusherOptions.PollInterval"/> on a <see cref="PeriodicTimer"/>
/// driven by the injected <see cref="TimeProvider"/>. Errors are caught and logged per round. On shutdown the round in
/// progress finishes or gives its leases back (<see cref="FlusherOptions.DrainTimeout"/>).
/// </summary>
public sealed partial class FlusherService(
    BatchFlusher flusher,
    IFeedbackSink sink,
    IOptions<FlusherOptions> options,
    TimeProvider time,
    ILogger<FlusherService> logger) : BackgroundService
{
    private readonly FlusherOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.TestPauseBeforeAck > TimeSpan.Zero)
        {
            LogTestHookOn(_options.TestPauseBeforeAck.TotalMilliseconds);
        }

        try
        {
            await PrepareSinkAsync(stoppingToken);
            LogStarted(flusher.Owner, sink.Name, _options.PollInterval.TotalMilliseconds, _options.MaxWriteEvents);
            using var timer = new PeriodicTimer(_options.PollInterval, time);
            do
            {
                try
                {
                    await flusher.RunOnceAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogRoundFailed(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }

        LogStopped(flusher.Owner);
    }

    private async Task PrepareSinkAsync(CancellationToken stoppingToken)
    {
        var backoff = new RetryBackoff(_options.RetryBaseDelay, _options.RetryMaxDelay);
        for (int failures = 1; ; failures++)
        {
            try
            {
                await sink.PrepareAsync(stoppingToken);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                var delay = backoff.Delay(failures);
                LogPrepareFailed(ex, sink.Name, delay.TotalMilliseconds);
                await Task.Delay(delay, time, stoppingToken);
            }
        }
    }
}
