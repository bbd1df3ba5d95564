using FeedbackRedis.Items;
using System.CommandLine;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Control;

/// <summary>
/// <c>feedbackctl batches list</c> and <c>feedbackctl batches show</c>. <c>batch</c> (as in <c>batch show</c>, the old
/// spelling) is an alias of <c>batches</c> for one release.
/// </summary>
internal static class BatchCommands
{
    private const int OpenScanLimit = 10_000;

    /// <summary>The one noun for batches: <c>batches list</c>, <c>batches show</c> (alias <c>batch</c>).</summary>
    public static Command Create(CtlContextFactory factory)
    {
        var batches = new Command("batches", "List batches, or show one.") { CreateList(factory), CreateShow(factory) };
        batches.Aliases.Add("batch");
        return batches;
    }

    private static Command CreateList(CtlContextFactory factory)
    {
        var state = new Option<string>("--state") { Description = "open, ready, inflight or dead", DefaultValueFactory = _ => "open" };
        state.AcceptOnlyFromAmong("open", "ready", "inflight", "dead");
        var by = new Option<string>("--by") { Description = "age (oldest first) or size (largest first)", DefaultValueFactory = _ => "age" };
        by.AcceptOnlyFromAmong("age", "size");
        var top = TopOption();
        var list = new Command("list", "The top N batches in one state, by age or size.") { state, by, top };
        list.SetAction(async (parse, cancellationToken) =>
        {
            using var ctx = factory.Open(parse);
            int n = parse.GetValue(top);
            var chosen = parse.GetValue(state) switch
            {
                "ready" => BatchState.Ready,
                "inflight" => BatchState.InFlight,
                "dead" => BatchState.Dead,
                _ => BatchState.Open,
            };
            bool bySize = parse.GetValue(by) == "size";
            var batches = chosen == BatchState.Open
                ? await ctx.Store.ListOpenAsync(bySize ? OpenScanLimit : n, cancellationToken)
                : await ctx.Store.ListSealedAsync(chosen, bySize ? OpenScanLimit : n, cancellationToken);
            var shown = (bySize ? batches.OrderByDescending(b => b.Size) : batches.OrderBy(b => b.OpenedAt)).Take(n).ToList();
            var now = await ctx.Store.GetNowAsync(cancellationToken);
            await ctx.WriteAsync(shown, o => WriteTable(o, shown, now));
            return CtlExit.Ok;
        });
        return list;
    }

    private static Command CreateShow(CtlContextFactory factory)
    {
        var id = new Argument<string>("id") { Description = "An agent id (its open batch) or a batch id (<agentId>:<n>)" };
        var items = new Option<int>("--items") { Description = "How many items to print (0 for none)", DefaultValueFactory = _ => 20 };
        items.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 100_000)
            {
                r.AddError("--items must be from 0 to 100000");
            }
        });
        var show = new Command("show", "One batch: its state, meta data and items.") { id, items };
        show.SetAction(async (parse, cancellationToken) =>
        {
            string target = parse.GetValue(id)!;
            CheckId(target);
            using var ctx = factory.Open(parse);
            var found = await ctx.Store.GetBatchAsync(target, cancellationToken);
            if (found is not { } batch)
            {
                await ctx.Error.WriteLineAsync($"feedbackctl: no batch '{target}' (an open batch of that agent, or a sealed batch with that id)");
                return CtlExit.Failed;
            }

            var shownItems = batch.Items.Take(parse.GetValue(items)).ToList();
            await ctx.WriteAsync(new { batch.Batch, Items = shownItems }, async o =>
            {
                await o.WriteLineAsync($"batch    {batch.Batch.Id}");
                await o.WriteLineAsync($"state    {batch.Batch.State}");
                await o.WriteLineAsync($"size     {batch.Batch.Size}");
                await o.WriteLineAsync($"opened   {batch.Batch.OpenedAt:O}");
                foreach (var (name, value) in batch.Batch.Meta.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    await o.WriteLineAsync($"{name,-8} {value}");
                }

                await o.WriteLineAsync($"items ({shownItems.Count} of {batch.Items.Count}):");
                foreach (var item in shownItems)
                {
                    await o.WriteLineAsync("  " + item);
                }
            });
            return CtlExit.Ok;
        });
        return show;
    }

    internal static Option<int> TopOption()
    {
        var top = new Option<int>("--top") { Description = "How many to list (1 to 10000)", DefaultValueFactory = _ => 20 };
        top.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10_000)
            {
                r.AddError("--top must be from 1 to 10000");
            }
        });
        return top;
    }

    /// <summary>An agent id, a lane, or a batch id whose member part is one of those.</summary>
    internal static void CheckId(string id)
    {
        string member = KeySchema.MemberOf(id);
        bool isBatchId = member.Length < id.Length;
        if (isBatchId && !long.TryParse(id[(member.Length + 1)..], out _))
        {
            throw new CtlUsageException($"'{id}' is not a batch id: expected <agentId>:<number>");
        }

        if (!AgentIds.IsLane(member) && AgentIds.Explain(member) is { } problem)
        {
            throw new CtlUsageException($"'{id}': {problem}");
        }
    }

    internal static async Task WriteTable(TextWriter o, IReadOnlyList<BatchSummary> batches, DateTimeOffset now)
    {
        if (batches.Count == 0)
        {
            await o.WriteLineAsync("(none)");
            return;
        }

        await o.WriteLineAsync($"{"BATCH",-48} {"STATE",-9} {"SIZE",7} {"AGE",7}  {"TRIGGER",-10} {"ATTEMPTS",8}  LAST ERROR");
        foreach (var b in batches)
        {
            string trigger = b.Meta.GetValueOrDefault("trigger", "-");
            string attempts = b.Meta.GetValueOrDefault("attempts", "-");
            await o.WriteLineAsync($"{b.Id,-48} {b.State,-9} {b.Size,7} {CtlContext.Age(now - b.OpenedAt),7}  {trigger,-10} {attempts,8}  {b.LastError}");
        }
    }
}
