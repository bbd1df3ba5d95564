using System.CommandLine;
using FeedbackRedis.Control;

namespace FeedbackRedis.DevTools;

/// <summary>
/// <c>feedback-dev</c>: development tools for local runs, tests and benchmarks, never shipped in the image. Commands:
/// <c>kafka</c> (a librdkafka mock Kafka cluster on loopback), <c>produce</c> (the load generator) and <c>report</c>
/// (checks a run end to end). Exit codes as <c>feedbackctl</c>'s: 0 done, 1 failed, 2 bad usage.
/// </summary>
public static class FeedbackDev
{
    /// <summary>Runs one command line; output and errors go to the given writers.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var context = new DevContext(output, error);
        var root = new RootCommand("FeedbackRedis dev tools (not shipped): a mock Kafka cluster, a load generator and a run report.")
        {
            KafkaCommand.Create(context),
            ProduceCommand.Create(context),
            ReportCommand.Create(context),
        };
        root.Options.Add(context.Json);
        return CtlRunner.RunAsync("feedback-dev", root, args, output, error, cancellationToken);
    }
}

/// <summary>Where the commands print, and the <c>--json</c> option they share.</summary>
internal sealed class DevContext(TextWriter output, TextWriter error)
{
    public TextWriter Output => output;

    public TextWriter Error => error;

    public Option<bool> Json { get; } = new("--json") { Description = "Machine-readable JSON output", Recursive = true };
}
