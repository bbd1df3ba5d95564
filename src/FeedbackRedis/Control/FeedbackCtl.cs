using System.CommandLine;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Control;

/// <summary>
/// <c>feedbackctl</c>: inspect and repair FeedbackRedis. Read-only unless a command changes state; those need
/// <c>--yes</c>. Exit codes: 0 done, 1 failed (not found, Redis unavailable), 2 bad usage.
/// </summary>
public static class FeedbackCtl
{
    /// <summary>Runs one command line; output and errors go to the given writers.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var root = Build(output, error);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors)
            {
                await error.WriteLineAsync($"feedbackctl: {problem.Message}");
            }

            await error.WriteLineAsync("Run 'feedbackctl --help' for usage.");
            return CtlExit.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (CtlUsageException ex)
        {
            await error.WriteLineAsync($"feedbackctl: {ex.Message}");
            return CtlExit.Usage;
        }
        catch (BatchStoreUnavailableException ex)
        {
            await error.WriteLineAsync($"feedbackctl: {ex.Message}");
            return CtlExit.Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return CtlExit.Ok;
        }
    }

    private static RootCommand Build(TextWriter output, TextWriter error)
    {
        var connection = new CtlConnection();
        var root = new RootCommand("Inspect and repair FeedbackRedis batches. Read-only unless a command changes state; those need --yes.");
        connection.AddTo(root);
        var context = new CtlContextFactory(connection, output, error);
        root.Subcommands.Add(StatusCommand.Create(context));
        root.Subcommands.Add(BatchCommands.CreateList(context));
        root.Subcommands.Add(BatchCommands.CreateShow(context));
        root.Subcommands.Add(FlushCommand.Create(context));
        root.Subcommands.Add(DeadCommands.Create(context));
        root.Subcommands.Add(RecountCommand.Create(context));
        root.Subcommands.Add(PolicyCommands.Create(context));
        root.Subcommands.Add(ProduceCommand.Create(context));
        root.Subcommands.Add(DevCommands.Create(context));
        return root;
    }
}
