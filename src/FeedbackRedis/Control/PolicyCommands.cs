using System.CommandLine;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Control;

/// <summary>
/// <c>feedbackctl policy set|list|clear</c>: per-agent batch policies (batch size, batch time, byte limit), stored in the
/// agent's shard (<c>P:policy</c>) so every consumer pod uses them from its next append. <c>set</c> merges the parts it
/// is given into the agent's policy (<c>--replace</c> drops the others); <c>clear --only size|time|bytes</c> removes
/// parts, <c>clear</c> alone the whole policy.
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
        var replace = new Option<bool>("--replace") { Description = "Replace the agent's whole policy: parts not given follow the global settings" };
        var yes = FlushCommand.YesOption();
        var set = new Command(
            "set",
            "Set parts of an agent's batch policy: the parts given replace the agent's, the others stay as they are (--replace: they follow "
            + $"the global settings; 'policy clear --only' removes one). It {Applies}. Changes state: needs --yes.")
        {
            agent, size, time, bytes, replace, yes,
        };
        set.SetAction(async (parse, cancellationToken) =>
        {
            string id = CheckAgent(parse.GetValue(agent)!);
            var value = new BatchPolicy(parse.GetValue(size), parse.GetValue(time), parse.GetValue(bytes));
            if (value.Explain() is { } problem)
            {
                throw new CtlUsageException(problem);
            }

            bool whole = parse.GetValue(replace);
            FlushCommand.RequireYes(parse, yes, $"{(whole ? "replace" : "set")} the batch policy of {id}");
            using var ctx = factory.Open(parse);
            BatchPolicy? before = null, after = value;
            try
            {
                if (whole)
                {
                    await ctx.Store.SetPolicyAsync(id, value, cancellationToken);
                }
                else
                {
                    (before, after) = await ctx.Store.UpdatePolicyAsync(id, value, PolicyParts.None, cancellationToken);
                }
            }
            catch (ArgumentException ex)
            {
                throw new CtlUsageException(ex.Message.Split(" (Parameter")[0]);
            }

            await ctx.WriteAsync(
                new { agentId = id, policy = after, stored = after?.Format(), before = before?.Format() },
                o => o.WriteLineAsync($"{id}: {after}{(before is null || whole ? "" : $" (was: {before})")}; {Applies}"));
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
        var only = new Option<string[]>("--only")
        {
            Description = "Remove only these parts: size, time, bytes (repeatable or comma-separated); the others stay",
            AllowMultipleArgumentsPerToken = true,
        };
        var yes = FlushCommand.YesOption();
        var clear = new Command(
            "clear",
            "Remove an agent's batch policy, or with --only some of its parts; what is removed follows the global settings from its next "
            + "append. Changes state: needs --yes.")
        {
            agent, only, yes,
        };
        clear.SetAction(async (parse, cancellationToken) =>
        {
            string id = CheckAgent(parse.GetValue(agent)!);
            var parts = Parts(parse.GetValue(only));
            FlushCommand.RequireYes(parse, yes, parts == PolicyParts.None ? $"clear the batch policy of {id}" : $"clear parts of the batch policy of {id}");
            using var ctx = factory.Open(parse);
            if (parts == PolicyParts.None)
            {
                if (!await ctx.Store.ClearPolicyAsync(id, cancellationToken))
                {
                    await ctx.Error.WriteLineAsync($"feedbackctl: {id} has no policy (it follows the global settings)");
                    return CtlExit.Failed;
                }

                await ctx.WriteAsync(new { agentId = id, cleared = true }, o => o.WriteLineAsync($"cleared the policy of {id}; it follows the global settings from its next append"));
                return CtlExit.Ok;
            }

            BatchPolicy? before, after;
            try
            {
                (before, after) = await ctx.Store.UpdatePolicyAsync(id, BatchPolicy.None, parts, cancellationToken);
            }
            catch (ArgumentException ex)
            {
                throw new CtlUsageException(ex.Message.Split(" (Parameter")[0]);
            }

            if (before is null)
            {
                await ctx.Error.WriteLineAsync($"feedbackctl: {id} has no policy (it follows the global settings)");
                return CtlExit.Failed;
            }

            await ctx.WriteAsync(
                new { agentId = id, cleared = after is null, policy = after, stored = after?.Format(), before = before.Format() },
                o => o.WriteLineAsync(after is null
                    ? $"cleared the policy of {id} (its last parts); it follows the global settings from its next append"
                    : $"{id}: {after} (was: {before}); the parts removed follow the global settings from its next append"));
            return CtlExit.Ok;
        });
        return clear;
    }

    /// <summary>The parts <c>--only</c> names (size, time, bytes; repeated or comma-separated); none when it is not given.</summary>
    internal static PolicyParts Parts(string[]? given)
    {
        var parts = PolicyParts.None;
        foreach (var name in (given ?? []).SelectMany(g => g.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            parts |= name switch
            {
                "size" => PolicyParts.BatchSize,
                "time" => PolicyParts.BatchTime,
                "bytes" => PolicyParts.MaxBytes,
                _ => throw new CtlUsageException($"--only '{name}' is not a part of a policy; allowed: size, time, bytes"),
            };
        }

        if (given is { Length: > 0 } && parts == PolicyParts.None)
        {
            throw new CtlUsageException("--only needs a part: size, time or bytes");
        }

        return parts;
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
