namespace FeedbackRedis.Items;

/// <summary>The kind of feedback an event carries (the item's <c>type</c>).</summary>
public enum FeedbackType
{
    /// <summary><c>reply</c>: a user replied to an agent's message.</summary>
    Reply,

    /// <summary><c>reaction</c>: a user reacted to an agent's message; the item's <c>reaction</c> names it.</summary>
    Reaction,
}
