namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// One item's event cannot become a BSON document (a number that is not a finite double, a field name with NUL). The
/// sink refuses that item alone (<see cref="RejectedItem"/>); the rest of its batch is written.
/// </summary>
internal sealed class UnstorableItemException : Exception
{
    public UnstorableItemException()
    {
    }

    public UnstorableItemException(string message)
        : base(message)
    {
    }

    public UnstorableItemException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    private UnstorableItemException(string field, string problem)
        : base($"field '{field}' {problem}")
    {
        Field = field;
        Problem = problem;
    }

    /// <summary>The offending field's path in the item (<c>meta.scores[2]</c>), when known.</summary>
    public string? Field { get; }

    /// <summary>What is wrong with it, without the field.</summary>
    public string? Problem { get; }

    /// <summary>The problem <paramref name="problem"/> at field <paramref name="field"/>.</summary>
    public static UnstorableItemException At(string field, string problem) => new(field, problem);

    /// <summary>The same problem, its field path prefixed by <paramref name="parent"/> (a field name or <c>[i]</c>).</summary>
    public UnstorableItemException Within(string parent) =>
        Field is null || Problem is null ? this
        : new(Field.Length == 0 ? parent : Field.StartsWith('[') ? parent + Field : $"{parent}.{Field}", Problem);
}
