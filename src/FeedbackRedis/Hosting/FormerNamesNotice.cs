using FeedbackRedis.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FeedbackRedis.Hosting;

/// <summary>
/// At start-up, one warning per renamed setting still set under a former name, a variable
/// (<see cref="Setting.FormerEnv"/>) or a configuration path (<see cref="Setting.FormerPath"/>): the value is used, and
/// the name goes in the next release.
/// </summary>
public sealed partial class FormerNamesNotice(ILogger<FormerNamesNotice> logger, IReadOnlyList<(string Former, string Current)>? used = null)
    : IHostedService
{
    private readonly IReadOnlyList<(string Former, string Current)> _used = used ?? FeedbackEnvironment.FormerNamesUsed();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (former, current) in _used)
        {
            LogFormerName(former, current);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
