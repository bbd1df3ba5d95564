using System.CommandLine;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Control;

/// <summary>
/// <c>feedbackctl policy set|list|clear</c>: per-agent batch policies (batch size, batch time, byte limit), stored in the
/// agent's shard (<c>P:policy</c>) so every consumer pod uses them from its next append.
/// </summary>
internal static class PolicyCommands
{
    private const string Applies =
        "applies from the agent's next append: a batch already at or over a smaller size or byte limit is sealed then; a new batch time applies from the next batch it opens";

    public static Command Create(CtlContextFactory factory)
    {
        var policy = new Command("policy", "Per-agent batch policies: overrides of FEEDBACK_BATCH_SIZE, FEEDBACK_BATCH_TIME_MS and FEEDBACK_BATCH_MAX_BYTES.");
        policy.Subcommands.Add(CreateSet(factory));
        policy.Subcommands.Add(CreateList(factory));
        policy.Subcommands.Add(CreateClear(factory));
        return policy;
    }

    private static Command CreateSet(CtlContextFactory factory)
    {
        var agent = AgentArgument("The agent (or global lane, '#global-N') whose policy to set");
        var size = new Option<long?>("--batch-size") { Description = "Items that seal its batch (as FEEDBACK_BATCH_SIZE)" };
        var time = new Option<long?>("--batch-time-ms") { Description = "Its batch's deadline after the first item, in ms (as FEEDBACK_BATCH_TIME_MS)" };
        var bytes = new Option<long?>("--max-bytes") { Description = "Item bytes that seal its batch (as FEEDBACK_BATCH_MAX_BYTES; 0: no byte limit for it)" };
        var yes = FlushCommand.YesOption();
        var set = new Command("set", $"Set an agent's batch policy, replacing any it had; parts not given follow the global settings. It {Applies}. Changes state: needs --yes.")
        {
            agent, size, time, bytes, yes,
        };
        set.SetAction(async (parse, cancellationToken) =>
        {
            string id = CheckAgent(parse.GetValue(agent)!);
            var value = new BatchPolicy(parse.GetValue(size), parse.GetValue(time), parse.GetValue(bytes));
            if (value.Explain() is { } problem)
            {
                throw new CtlUsageException(problem);
            }

            FlushCommand.RequireYes(parse, yes, $"set the batch policy of {id}");
            using var ctx = factory.Open(parse);
            await ctx.Store.SetPolicyAsync(id, value, cancellationToken);
            await ctx.WriteAsync(
                new { agentId = id, policy = value, stored = value.Format() },
                o => o.WriteLineAsync($"{id}: {value}; {Applies}"));
            return CtlExit.Ok;
        });
        return set;
    }

    private static Command CreateList(CtlContextFactory factory)
    {
        var agent = new Argument<string?>("agentId") { Description = "Only this agent (all agents with a policy when left out)", Arity = ArgumentArity.ZeroOrOne };
        var list = new Command("list", "List agents with a batch policy of their own (read-only).") { agent };
        list.SetAction(async (parse, cancellationToken) =>
        {
            string? id = parse.GetValue(agent) is { } given ? CheckAgent(given) : null;
            using var ctx = factory.Open(parse);
            IReadOnlyList<(string Member, BatchPolicy Policy)> rows = id is null
                ? await ctx.Store.ListPoliciesAsync(cancellationToken)
                : await ctx.Store.GetPolicyAsync(id, cancellationToken) is { } one ? [(id, one)] : [];
            await ctx.WriteAsync(
                rows.Select(r => new { agentId = r.Member, policy = r.Policy, stored = r.Policy.Format() }).ToList(),
                async o =>
                {
                    if (rows.Count == 0)
                    {
                        await o.WriteLineAsync(id is null ? "(none: every agent follows the global settings)" : $"{id} follows the global settings");
                        return;
                    }

                    foreach (var (member, value) in rows)
                    {
                        await o.WriteLineAsync($"{member,-40} {value}");
                    }
                });
            return CtlExit.Ok;
        });
        return list;
    }

    private static Command CreateClear(CtlContextFactory factory)
    {
        var agent = AgentArgument("The agent whose policy to remove (it then follows the global settings)");
        var yes = FlushCommand.YesOption();
        var clear = new Command("clear", "Remove an agent's batch policy; it follows the global settings from its next append. Changes state: needs --yes.")
        {
            agent, yes,
        };
        clear.SetAction(async (parse, cancellationToken) =>
        {
            string id = CheckAgent(parse.GetValue(agent)!);
            FlushCommand.RequireYes(parse, yes, $"clear the batch policy of {id}");
            using var ctx = factory.Open(parse);
            if (!await ctx.Store.ClearPolicyAsync(id, cancellationToken))
            {
                await ctx.Error.WriteLineAsync($"feedbackctl: {id} has no policy (it follows the global settings)");
                return CtlExit.Failed;
            }

            await ctx.WriteAsync(new { agentId = id, cleared = true }, o => o.WriteLineAsync($"cleared the policy of {id}; it follows the global settings from its next append"));
            return CtlExit.Ok;
        });
        return clear;
    }

    private static Argument<string> AgentArgument(string description) => new("agentId") { Description = description };

    private static string CheckAgent(string id)
    {
        BatchCommands.CheckId(id);
        if (id.Contains(':', StringComparison.Ordinal))
        {
            throw new CtlUsageException($"'{id}' is a batch id; policy takes an agent id");
        }

        return id;
    }
}
