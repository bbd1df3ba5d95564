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

    /// <summary><c>too-deep</c>: objects and arrays nested deeper than <see cref="Items.ItemLimits.MaxMessageDepth"/>.</summary>
    TooDeep,

    /// <summary>
    /// <c>invalid-text</c>: a string or field name that is not text: a lone UTF-16 surrogate escape (<c>\ud800</c>), or a
    /// control character in a field name.
    /// </summary>
    InvalidText,

    /// <summary><c>invalid-number</c>: a number that is not finite as a double (<c>1e400</c>).</summary>
    InvalidNumber,

    /// <summary><c>unreadable</c>: reading the message failed in a way no check foresaw (the detail names the error).</summary>
    Unreadable,
}
