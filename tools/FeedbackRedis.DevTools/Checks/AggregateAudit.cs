using MongoDB.Bson;

namespace FeedbackRedis.DevTools.Checks;

/// <summary>
/// The MongoDB sink's aggregates against a recount from its events collection: per agent, <c>events</c>,
/// <c>replies</c> and the sum of the <c>reactions</c> counters (every name and <c>other</c>) in <c>agent_feedback</c>
/// must equal the events of that agent in <c>feedback_events</c>, its replies and its reactions. An agent on one side
/// only is a mismatch. Pure (the documents are read by the caller).
/// </summary>
internal static class AggregateAudit
{
    /// <summary>Agents compared, agents whose counts differ, and a few of them spelt out.</summary>
    public sealed record Result(long Agents, long Mismatched, IReadOnlyList<string> Examples)
    {
        public bool Passed => Mismatched == 0;
    }

    private sealed record Counts(long Events, long Replies, long Reactions);

    /// <summary>Compares <paramref name="agents"/> (documents of the agents collection) with a recount of <paramref name="events"/>.</summary>
    public static Result Compare(IEnumerable<BsonDocument> events, IEnumerable<BsonDocument> agents)
    {
        var recount = new Dictionary<string, Counts>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            string agent = e.GetValue("agentId", BsonNull.Value) is BsonString s ? s.Value : "(no agentId)";
            bool reply = e.GetValue("type", BsonNull.Value) is BsonString { Value: "reply" };
            var c = recount.GetValueOrDefault(agent) ?? new Counts(0, 0, 0);
            recount[agent] = new Counts(c.Events + 1, c.Replies + (reply ? 1 : 0), c.Reactions + (reply ? 0 : 1));
        }

        var stored = new Dictionary<string, Counts>(StringComparer.Ordinal);
        foreach (var a in agents)
        {
            long reactions = a.GetValue("reactions", BsonNull.Value) is BsonDocument r ? r.Elements.Sum(x => Number(x.Value)) : 0;
            stored[a.GetValue("_id").ToString()!] = new Counts(Number(a.GetValue("events", 0)), Number(a.GetValue("replies", 0)), reactions);
        }

        long mismatched = 0;
        var examples = new List<string>();
        foreach (string agent in recount.Keys.Union(stored.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var counted = recount.GetValueOrDefault(agent);
            var kept = stored.GetValueOrDefault(agent);
            if (counted != kept)
            {
                mismatched++;
                if (examples.Count < 10)
                {
                    examples.Add($"{agent}: aggregates {Show(kept)}, recount {Show(counted)}");
                }
            }
        }

        return new Result(recount.Keys.Union(stored.Keys, StringComparer.Ordinal).LongCount(), mismatched, examples);
    }

    private static long Number(BsonValue value) => value.IsNumeric ? value.ToInt64() : 0;

    private static string Show(Counts? c) => c is null ? "none" : $"events {c.Events}, replies {c.Replies}, reactions {c.Reactions}";
}
