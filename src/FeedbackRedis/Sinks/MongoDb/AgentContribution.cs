namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>What one batch adds to one agent's aggregate: only the events that batch wrote first.</summary>
/// <param name="AgentId">The agent.</param>
/// <param name="Events">Events counted.</param>
/// <param name="Replies">Replies among them.</param>
/// <param name="Reactions">Reactions among them, by reaction field name (<see cref="MongoWriteModels.ReactionField"/>).</param>
/// <param name="LastFeedbackAt">The latest event time among them, if any says.</param>
internal sealed record AgentContribution(
    string AgentId,
    long Events,
    long Replies,
    IReadOnlyDictionary<string, long> Reactions,
    DateTimeOffset? LastFeedbackAt);
