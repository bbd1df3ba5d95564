using System.CommandLine;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Control;

/// <summary>
/// Runs one command line of a command-line tool built on <see cref="CtlExit"/>: parse errors and
/// <see cref="CtlUsageException"/> exit 2 with the message, an unavailable Redis exits 1, Ctrl-C exits 0.
/// Shared by <c>feedbackctl</c> and the dev tool <c>feedback-dev</c> (tools/FeedbackRedis.DevTools).
/// </summary>
internal static class CtlRunner
{
    public static async Task<int> RunAsync(
        string tool, RootCommand root, string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors)
            {
                await error.WriteLineAsync($"{tool}: {problem.Message}");
            }

            await error.WriteLineAsync($"Run '{tool} --help' for usage.");
            return CtlExit.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (CtlUsageException ex)
        {
            await error.WriteLineAsync($"{tool}: {ex.Message}");
            return CtlExit.Usage;
        }
        catch (BatchStoreUnavailableException ex)
        {
            await error.WriteLineAsync($"{tool}: {ex.Message}");
            return CtlExit.Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return CtlExit.Ok;
        }
    }
}
