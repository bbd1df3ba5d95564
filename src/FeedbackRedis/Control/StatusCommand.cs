using System.CommandLine;

namespace FeedbackRedis.Control;

/// <summary><c>feedbackctl status</c>: counts per state, the oldest open batch, batches due now.</summary>
internal static class StatusCommand
{
    public static Command Create(CtlContextFactory factory)
    {
        var command = new Command("status", "Counts per state, oldest open batch age, batches due now, dead batches.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var ctx = factory.Open(parse);
            var counts = await ctx.Store.GetCountsAsync(cancellationToken);
            await ctx.WriteAsync(counts, async o =>
            {
                await o.WriteLineAsync($"open batches      {counts.OpenBatches,12:N0}   ({counts.OpenEvents:N0} events)");
                await o.WriteLineAsync($"  due now         {counts.DueBatches,12:N0}");
                await o.WriteLineAsync($"  oldest open     {(counts.OldestOpenAge is { } age ? CtlContext.Age(age) : "-"),12}");
                await o.WriteLineAsync($"ready batches     {counts.ReadyBatches,12:N0}");
                await o.WriteLineAsync($"in-flight batches {counts.InFlightBatches,12:N0}");
                await o.WriteLineAsync($"dead batches      {counts.DeadBatches,12:N0}{(counts.DeadBatches > 0 ? "   <- feedbackctl dead list" : "")}");
                await o.WriteLineAsync($"pending events    {counts.PendingEvents,12:N0}");
                await o.WriteLineAsync($"guarded ids       {counts.GuardedIds,12:N0}   (pending + dead events; more means ids not released)");
            });
            return CtlExit.Ok;
        });
        return command;
    }
}
