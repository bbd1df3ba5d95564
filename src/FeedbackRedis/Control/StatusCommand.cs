using System.CommandLine;
using System.Text.Json;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Control;

/// <summary>
/// <c>feedbackctl status [--drift]</c>: counts per state, the oldest open batch, batches due now; with <c>--drift</c>, a
/// dry-run recount of every shard too (it reads every item, so it is asked for, never run by default).
/// </summary>
internal static class StatusCommand
{
    public static Command Create(CtlContextFactory factory)
    {
        var drift = new Option<bool>("--drift")
        {
            Description = "Also compare pending, open-events, the guard, open-bytes and opened with a recount of the lists (dry run; reads every item, "
                + $"shards of more than {RedisBatchStore.DefaultRecountLimit:N0} items are skipped)",
        };
        var command = new Command("status", "Counts per state, oldest open batch age, batches due now, dead batches; --drift: counter drift.")
        {
            drift,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var ctx = factory.Open(parse);
            var counts = await ctx.Store.GetCountsAsync(cancellationToken);
            var recount = parse.GetValue(drift) ? await ctx.Store.RecountAsync(apply: false, cancellationToken: cancellationToken) : null;
            object report = counts;
            if (recount is not null)
            {
                var node = JsonSerializer.SerializeToNode(counts, CtlContext.JsonOptions)!.AsObject();
                node["drift"] = JsonSerializer.SerializeToNode(recount, CtlContext.JsonOptions);
                report = node;
            }

            await ctx.WriteAsync(report, async o =>
            {
                await o.WriteLineAsync($"open batches      {counts.OpenBatches,12:N0}   ({counts.OpenEvents:N0} events)");
                await o.WriteLineAsync($"  due now         {counts.DueBatches,12:N0}");
                await o.WriteLineAsync($"  oldest open     {(counts.OldestOpenAge is { } age ? CtlContext.Age(age) : "-"),12}");
                await o.WriteLineAsync($"ready batches     {counts.ReadyBatches,12:N0}");
                await o.WriteLineAsync($"in-flight batches {counts.InFlightBatches,12:N0}");
                await o.WriteLineAsync($"dead batches      {counts.DeadBatches,12:N0}{(counts.DeadBatches > 0 ? "   <- feedbackctl dead list" : "")}");
                await o.WriteLineAsync($"pending events    {counts.PendingEvents,12:N0}");
                await o.WriteLineAsync($"guarded ids       {counts.GuardedIds,12:N0}   (pending + dead events; more means ids not released)");
                if (recount is not null)
                {
                    await WriteDriftAsync(o, recount);
                }
            });
            return CtlExit.Ok;
        });
        return command;
    }

    private static async Task WriteDriftAsync(TextWriter o, IReadOnlyList<RecountResult> recount)
    {
        int drifted = recount.Count(r => r.HasDrift);
        int refused = recount.Count(r => r.Refusal is not null);
        string summary = drifted == 0 ? "none" : $"{drifted} of {recount.Count} shards   <- feedbackctl recount --yes";
        await o.WriteLineAsync($"drift (recount)   {summary}{(refused > 0 ? $"   ({refused} shards too large to check)" : "")}");
        foreach (var line in RecountCommand.Describe(recount))
        {
            await o.WriteLineAsync(line);
        }
    }
}
