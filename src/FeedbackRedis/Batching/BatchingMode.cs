namespace FeedbackRedis.Batching;

/// <summary>How events are grouped into batches (<c>FEEDBACK_BATCHING_MODE</c>). See docs/ARCHITECTURE.md.</summary>
public enum BatchingMode
{
    /// <summary>One open batch per agent; sealed at the batch size or on its deadline.</summary>
    Agent,

    /// <summary>
    /// All agents share <see cref="BatchingOptions.GlobalLanes"/> open batches ("lanes"); an event goes to the lane
    /// its event id hashes to, so no key is hot. Each lane seals at the batch size or on its deadline.
    /// </summary>
    Global,

    /// <summary>
    /// Per-agent batches as in <see cref="Agent"/>, plus a global trigger: when the events waiting in open batches
    /// reach <see cref="BatchingOptions.GlobalTrigger"/>, the oldest open batches are combined into batches of the
    /// shard's lane (trigger <c>global</c>, at most <see cref="BatchingOptions.BatchSize"/> events each, whole agents)
    /// until at most half of that remain open, so many small agents' events are claimed, written, announced and acked
    /// together instead of each agent's waiting out its own deadline.
    /// </summary>
    Hybrid,
}
