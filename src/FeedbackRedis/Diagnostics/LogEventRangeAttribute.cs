namespace FeedbackRedis.Diagnostics;

/// <summary>
/// The EventIds a type's <c>[LoggerMessage]</c> methods may use: every log event of the service has an explicit EventId
/// inside its component's range, unique across the assembly; names and numbers are frozen once shipped. A range may
/// hold a smaller one of another component (the dead-letter publisher's inside the consumer's): the outer one's events
/// stay out of it. The ranges are listed in docs/OPERATIONS.md ("Logs"), and a test holds the two together.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class LogEventRangeAttribute(string component, int first, int last) : Attribute
{
    /// <summary>The component, as docs/OPERATIONS.md names it.</summary>
    public string Component => component;

    public int First => first;

    public int Last => last;

    public bool Contains(int eventId) => eventId >= first && eventId <= last;
}
