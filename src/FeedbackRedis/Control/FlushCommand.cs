using System.CommandLine;

namespace FeedbackRedis.Control;

/// <summary><c>feedbackctl flush &lt;agentId&gt; --yes</c>: seal an agent's open batch now.</summary>
internal static class FlushCommand
{
    public static Command Create(CtlContextFactory factory)
    {
        var agent = new Argument<string>("agentId") { Description = "The agent whose open batch to seal now" };
        var yes = YesOption();
        var flush = new Command("flush", "Seal an agent's open batch now (trigger manual); a flusher then writes it. Changes state: needs --yes.")
        {
            agent, yes,
        };
        flush.SetAction(async (parse, cancellationToken) =>
        {
            string id = parse.GetValue(agent)!;
            BatchCommands.CheckId(id);
            if (id.Contains(':', StringComparison.Ordinal))
            {
                throw new CtlUsageException($"'{id}' is a batch id; flush takes an agent id (its open batch)");
            }

            RequireYes(parse, yes, $"seal the open batch of {id}");
            using var ctx = factory.Open(parse);
            string? batchId = await ctx.Store.SealAsync(id, cancellationToken);
            if (batchId is null)
            {
                await ctx.Error.WriteLineAsync($"feedbackctl: {id} has no open batch");
                return CtlExit.Failed;
            }

            await ctx.WriteAsync(new { agentId = id, batchId }, o => o.WriteLineAsync($"sealed {id} as {batchId}"));
            return CtlExit.Ok;
        });
        return flush;
    }

    internal static Option<bool> YesOption() => new("--yes", "-y") { Description = "Confirm a command that changes state" };

    internal static void RequireYes(ParseResult parse, Option<bool> yes, string what)
    {
        if (!parse.GetValue(yes))
        {
            throw new CtlUsageException($"refusing to {what} without --yes (nothing was changed)");
        }
    }
}
