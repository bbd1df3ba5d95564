namespace FeedbackRedis.Ingestion;

/// <summary>How a dead letter was handled; every outcome lets its offset move on.</summary>
public enum DeadLetterOutcome
{
    /// <summary>The dead-letter topic took it whole (after a permanent refusal in its batch, possibly sent again alone).</summary>
    Delivered,

    /// <summary>The dead-letter topic refused it whole, permanently, and took it cut down (<c>dlq.truncated=true</c>).</summary>
    Truncated,

    /// <summary>Refused permanently both whole and cut down: logged, counted (<c>feedback.consumer.dead_letters_dropped</c>) and skipped.</summary>
    Dropped,
}
