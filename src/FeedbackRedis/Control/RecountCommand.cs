using System.CommandLine;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Control;

/// <summary>
/// <c>feedbackctl recount --yes [--force]</c>: recompute <c>pending</c>, <c>open-events</c> and the duplicate guard of
/// every shard from the batch lists and store them, rebuild <c>open-bytes</c> and drop stale <c>open-bytes</c> and
/// <c>opened</c> entries; <c>--dry-run</c> only reports the drift (as <c>status --drift</c>).
/// </summary>
internal static class RecountCommand
{
    public static Command Create(CtlContextFactory factory)
    {
        var yes = FlushCommand.YesOption();
        var force = new Option<bool>("--force")
        {
            Description = $"Recount shards of more than {RedisBatchStore.DefaultRecountLimit:N0} items too (each blocks Redis while it is read)",
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only report the drift; writes nothing (needs no --yes)" };
        var recount = new Command(
            "recount",
            "Recompute pending, open-events and the duplicate guard of every shard from the batch lists, one atomic script per shard, "
            + "and store them; rebuild open-bytes and drop open-bytes and opened entries of members without an open batch; open lists "
            + "without a deadline are made due. Changes state: needs --yes (or --dry-run).")
        {
            yes, force, dryRun,
        };
        recount.SetAction(async (parse, cancellationToken) =>
        {
            bool apply = !parse.GetValue(dryRun);
            if (apply)
            {
                FlushCommand.RequireYes(
                    parse, yes, "overwrite pending, open-events and the duplicate guard of every shard with a recount of the batch lists "
                    + "(--dry-run shows what would change)");
            }

            using var ctx = factory.Open(parse);
            var results = await ctx.Store.RecountAsync(
                apply, parse.GetValue(force) ? null : RedisBatchStore.DefaultRecountLimit, cancellationToken);
            await ctx.WriteAsync(results, async o =>
            {
                foreach (var line in Describe(results))
                {
                    await o.WriteLineAsync(line);
                }

                int drifted = results.Count(r => r.HasDrift);
                int done = results.Count(r => r.Refusal is null);
                await o.WriteLineAsync((drifted, apply) switch
                {
                    (0, _) => $"recounted {done} of {results.Count} shards: no drift, nothing changed",
                    (_, true) => $"recounted {done} of {results.Count} shards: {drifted} drifted and are repaired",
                    _ => $"recounted {done} of {results.Count} shards (dry run, nothing changed): {drifted} drifted; feedbackctl recount --yes repairs them",
                });
            });
            foreach (var refused in results.Where(r => r.Refusal is not null))
            {
                await ctx.Error.WriteLineAsync($"feedbackctl: {refused.Prefix} not recounted: it {refused.Refusal}; run with --force at a quiet time");
            }

            return results.Any(r => r.Refusal is not null) ? CtlExit.Failed : CtlExit.Ok;
        });
        return recount;
    }

    /// <summary>
    /// One line per shard that drifted, was refused, or holds items without an id or repeating one; and the ids behind a
    /// guard drift.
    /// </summary>
    internal static IEnumerable<string> Describe(IEnumerable<RecountResult> results)
    {
        foreach (var r in results)
        {
            if (r.Refusal is not null)
            {
                yield return $"  {r.Prefix}: not recounted: {r.Refusal}";
                continue;
            }

            if (!r.HasDrift && r.UnreadableItems == 0 && r.OrphansNotChecked == 0 && r.RepeatedIds == 0)
            {
                continue;
            }

            var g = r.Guard;
            yield return $"  {r.Prefix}: pending {Counter(r.Pending)}, open-events {Counter(r.OpenEvents)}, "
                + $"guard {g.Recorded:N0} -> {g.Recounted:N0} ids (+{g.Added:N0} missing, -{g.Removed:N0} without an item)"
                + (r.Orphans.Count > 0 ? $", {r.Orphans.Count} open lists without a deadline ({string.Join(", ", r.Orphans.Take(5))})" : "")
                + (r.OrphansNotChecked > 0 ? $", {r.OrphansNotChecked:N0} more not checked (recount again)" : "")
                + (r.UnreadableItems > 0 ? $", {r.UnreadableItems:N0} items without a readable eventId (left as they are)" : "")
                + (r.RepeatedIds > 0 ? $", {r.RepeatedIds:N0} items repeating another item's eventId (the sink absorbs them)" : "")
                + (r.OpenBytes.Rewritten > 0 ? $", open-bytes of {r.OpenBytes.Rewritten:N0} open batches not their items' bytes" : "")
                + (r.OpenBytes.Removed > 0 ? $", {r.OpenBytes.Removed:N0} open-bytes entries without an open batch" : "")
                + (r.Opened.Removed > 0 ? $", {r.Opened.Removed:N0} opened entries without an open batch" : "");
            if (g.Removed > 0)
            {
                yield return $"    ids without an item: {string.Join(", ", g.RemovedSample)}{More(g.Removed, g.RemovedSample.Count)}";
            }

            if (g.Added > 0)
            {
                yield return $"    ids missing from the guard: {string.Join(", ", g.AddedSample)}{More(g.Added, g.AddedSample.Count)}";
            }

            if (r.OpenBytes.Rewritten > 0)
            {
                yield return $"    open-bytes rewritten: {string.Join(", ", r.OpenBytes.RewrittenSample.Take(10))}{More(r.OpenBytes.Rewritten, Math.Min(10, r.OpenBytes.RewrittenSample.Count))}";
            }

            if (r.OpenBytes.Removed + r.Opened.Removed > 0)
            {
                var stale = r.OpenBytes.RemovedSample.Select(m => $"open-bytes {m}").Concat(r.Opened.RemovedSample.Select(m => $"opened {m}")).ToList();
                yield return $"    entries without an open batch: {string.Join(", ", stale.Take(10))}{More(r.OpenBytes.Removed + r.Opened.Removed, Math.Min(10, stale.Count))}";
            }

            foreach (var item in r.UnreadableSample.Take(5))
            {
                yield return $"    no eventId: redis-cli LINDEX {item.Key} {item.Index}";
            }
        }
    }

    private static string Counter(CounterDrift c) => c.Recorded switch
    {
        null => $"(not an integer) -> {c.Recounted:N0}",
        { } old when old == c.Recounted => $"{old:N0}",
        { } old => $"{old:N0} -> {c.Recounted:N0} ({c.Recounted - old:+#,0;-#,0})",
    };

    private static string More(long total, int shown) => total > shown ? $" ... ({total - shown:N0} more)" : "";
}
