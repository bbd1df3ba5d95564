namespace FeedbackRedis.Ingestion;

/// <summary>Why a message was sent to the dead-letter topic (header <c>dlq.reason</c>; see docs/INGESTION.md).</summary>
public enum DeadLetterReason
{
    /// <summary><c>not-json</c>: no value, not UTF-8, or not one complete JSON value.</summary>
    NotJson,

    /// <summary><c>wrong-shape</c>: JSON, but not an object, a field of the wrong type, a repeated field, or no text/reaction.</summary>
    WrongShape,

    /// <summary><c>invalid-agent-id</c>: agentId missing, not a string, too long or with a character outside the allowed set.</summary>
    InvalidAgentId,

    /// <summary><c>invalid-event-id</c>: eventId not a string, empty, too long or with control characters.</summary>
    InvalidEventId,

    /// <summary><c>too-large</c>: the message or the item made from it is over <c>FEEDBACK_MAX_ITEM_BYTES</c>.</summary>
    TooLarge,

    /// <summary><c>unsupported-version</c>: a <c>version</c> this consumer does not read.</summary>
    UnsupportedVersion,

    /// <summary><c>unknown-topic</c>: the message came from a topic that is neither the reply nor the reaction topic.</summary>
    UnknownTopic,
}
