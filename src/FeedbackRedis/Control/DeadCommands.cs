using System.CommandLine;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Control;

/// <summary><c>feedbackctl dead list</c> and <c>feedbackctl dead replay &lt;batchId&gt; --yes</c>.</summary>
internal static class DeadCommands
{
    public static Command Create(CtlContextFactory factory)
    {
        var top = BatchCommands.TopOption();
        var list = new Command("list", "Dead batches, oldest first, with their last error.") { top };
        list.SetAction(async (parse, cancellationToken) =>
        {
            using var ctx = factory.Open(parse);
            var dead = await ctx.Store.ListSealedAsync(BatchState.Dead, parse.GetValue(top), cancellationToken);
            var now = await ctx.Store.GetNowAsync(cancellationToken);
            await ctx.WriteAsync(dead, o => BatchCommands.WriteTable(o, dead, now));
            return CtlExit.Ok;
        });

        var batch = new Argument<string>("batchId") { Description = "The dead batch to replay (<agentId>:<n>)" };
        var yes = FlushCommand.YesOption();
        var replay = new Command("replay", "Move a dead batch back to ready with its attempts reset. Changes state: needs --yes.") { batch, yes };
        replay.SetAction(async (parse, cancellationToken) =>
        {
            string id = parse.GetValue(batch)!;
            BatchCommands.CheckId(id);
            if (!id.Contains(':', StringComparison.Ordinal))
            {
                throw new CtlUsageException($"'{id}' is not a batch id: expected <agentId>:<number> (see feedbackctl dead list)");
            }

            FlushCommand.RequireYes(parse, yes, $"replay {id}");
            using var ctx = factory.Open(parse);
            if (!await ctx.Store.ReplayAsync(id, cancellationToken))
            {
                await ctx.Error.WriteLineAsync($"feedbackctl: no dead batch '{id}' (see feedbackctl dead list)");
                return CtlExit.Failed;
            }

            await ctx.WriteAsync(new { batchId = id, replayed = true }, o => o.WriteLineAsync($"replayed {id}: ready for the flushers"));
            return CtlExit.Ok;
        });
        return new Command("dead", "Dead batches: list and replay.") { list, replay };
    }
}
