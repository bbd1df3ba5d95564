using System.CommandLine;

namespace FeedbackRedis.Control;

/// <summary>
/// <c>feedbackctl</c>: inspect and repair FeedbackRedis. Read-only unless a command changes state; those need
/// <c>--yes</c>. Exit codes: 0 done, 1 failed (not found, Redis unavailable), 2 bad usage. The operator's tool, shipped in
/// the image; the load generator, the run report and the mock Kafka host are the dev tool <c>feedback-dev</c>
/// (tools/FeedbackRedis.DevTools), which is not.
/// </summary>
public static class FeedbackCtl
{
    /// <summary>Runs one command line; output and errors go to the given writers.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        return CtlRunner.RunAsync("feedbackctl", Build(output, error), args, output, error, cancellationToken);
    }

    private static RootCommand Build(TextWriter output, TextWriter error)
    {
        var connection = new CtlConnection();
        var root = new RootCommand("Inspect and repair FeedbackRedis batches. Read-only unless a command changes state; those need --yes.");
        connection.AddTo(root);
        var context = new CtlContextFactory(connection, output, error);
        root.Subcommands.Add(StatusCommand.Create(context));
        root.Subcommands.Add(BatchCommands.Create(context));
        root.Subcommands.Add(FlushCommand.Create(context));
        root.Subcommands.Add(DeadCommands.Create(context));
        root.Subcommands.Add(RecountCommand.Create(context));
        root.Subcommands.Add(PolicyCommands.Create(context));
        return root;
    }
}
