using System.CommandLine;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Control;

/// <summary>
/// <c>feedbackctl dead list</c>, <c>feedbackctl dead replay &lt;batchId&gt; | --reason TEXT | --all --yes</c> and
/// <c>feedbackctl dead drop &lt;batchId&gt; --save FILE --yes</c>.
/// </summary>
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

        var batch = new Argument<string?>("batchId") { Description = "The dead batch to replay (<agentId>:<n>)", Arity = ArgumentArity.ZeroOrOne };
        var yes = FlushCommand.YesOption();
        var reason = new Option<string?>("--reason") { Description = "Replay every dead batch whose last error contains this text (case-insensitive)" };
        var all = new Option<bool>("--all") { Description = "Replay every dead batch" };
        var most = new Option<int>("--max") { Description = "With --reason or --all: the most batches to replay, oldest first (1 to 1,000,000)", DefaultValueFactory = _ => 100_000 };
        var replay = new Command(
            "replay",
            "Move dead batches back to ready with their attempts reset: one by id, or in bulk with --reason TEXT or --all. Changes state: needs --yes.")
        {
            batch, reason, all, most, yes,
        };
        replay.SetAction(async (parse, cancellationToken) =>
        {
            string? single = parse.GetValue(batch);
            string? matching = parse.GetValue(reason);
            bool every = parse.GetValue(all);
            if ((single is not null ? 1 : 0) + (matching is not null ? 1 : 0) + (every ? 1 : 0) != 1)
            {
                throw new CtlUsageException("dead replay takes exactly one of: a batch id, --reason TEXT, --all");
            }

            if (single is null)
            {
                return await ReplayManyAsync(factory, parse, matching, parse.GetValue(most), yes, cancellationToken);
            }

            string id = BatchIdOf(single);
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
        var dropBatch = new Argument<string>("batchId") { Description = "The dead batch to drop (<agentId>:<n>)" };
        var save = new Option<FileInfo>("--save")
        {
            Description = "Where to write its items first, one JSON item per line (a new file; required)",
            Required = true,
        };
        var drop = new Command(
            "drop",
            "Delete a dead batch for good, after writing its items to --save, and release its event ids from the duplicate guard. Needs --yes.")
        {
            dropBatch, save, yes,
        };
        drop.SetAction(async (parse, cancellationToken) =>
        {
            string id = BatchIdOf(parse.GetValue(dropBatch)!);
            var file = parse.GetValue(save)!;
            FlushCommand.RequireYes(parse, yes, $"drop {id}");
            if (file.Exists)
            {
                throw new CtlUsageException($"--save {file.FullName} exists; name a new file (nothing was changed)");
            }

            using var ctx = factory.Open(parse);
            if (await ctx.Store.GetBatchAsync(id, cancellationToken) is not { Batch.State: BatchState.Dead } found)
            {
                await ctx.Error.WriteLineAsync($"feedbackctl: no dead batch '{id}' (see feedbackctl dead list)");
                return CtlExit.Failed;
            }

            await using (var writer = new StreamWriter(new FileStream(file.FullName, FileMode.CreateNew, FileAccess.Write)))
            {
                foreach (string item in found.Items)
                {
                    await writer.WriteLineAsync(item.AsMemory(), cancellationToken);
                }
            }

            var outcome = await ctx.Store.DropDeadAsync(id, found.Items, cancellationToken);
            if (outcome != DropOutcome.Dropped)
            {
                await ctx.Error.WriteLineAsync(outcome == DropOutcome.NotDead
                    ? $"feedbackctl: '{id}' is no longer dead (replayed meanwhile?); nothing was dropped; {file.FullName} holds a copy of its items"
                    : $"feedbackctl: '{id}' changed while it was being saved; nothing was dropped; run the command again");
                return CtlExit.Failed;
            }

            await ctx.WriteAsync(
                new { batchId = id, dropped = true, items = found.Items.Count, savedTo = file.FullName },
                o => o.WriteLineAsync($"dropped {id}: {found.Items.Count} items, saved first to {file.FullName}"));
            return CtlExit.Ok;
        });
        return new Command("dead", "Dead batches: list, replay, drop.") { list, replay, drop };
    }

    private static async Task<int> ReplayManyAsync(
        CtlContextFactory factory, ParseResult parse, string? reason, int most, Option<bool> yes, CancellationToken cancellationToken)
    {
        if (reason is { Length: 0 })
        {
            throw new CtlUsageException("--reason needs some text to match in the batches' last error");
        }

        if (most is < 1 or > 1_000_000)
        {
            throw new CtlUsageException($"--max {most} is out of range: 1 to 1,000,000");
        }

        string what = reason is null ? "every dead batch" : $"every dead batch whose last error contains '{reason}'";
        FlushCommand.RequireYes(parse, yes, $"replay {what}");
        using var ctx = factory.Open(parse);
        var replayed = await ctx.Store.ReplayDeadAsync(reason, most, cancellationToken);
        await ctx.WriteAsync(
            new { reason, replayed = replayed.Count, batchIds = replayed },
            o => o.WriteLineAsync($"replayed {replayed.Count:N0} dead batches ({what}): ready for the flushers"));
        return CtlExit.Ok;
    }

    private static string BatchIdOf(string id)
    {
        BatchCommands.CheckId(id);
        if (!id.Contains(':', StringComparison.Ordinal))
        {
            throw new CtlUsageException($"'{id}' is not a batch id: expected <agentId>:<number> (see feedbackctl dead list)");
        }

        return id;
    }
}
