using MongoDB.Driver;
using Polly.CircuitBreaker;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// Sorts MongoDB driver errors into what the flusher does with them (docs/SINKS.md has the table). Built on the
/// driver's exception types and server error codes, never on message text.
/// </summary>
internal static class MongoErrorClassifier
{
    /// <summary>Server codes of a write that may succeed if sent again.</summary>
    private static readonly HashSet<int> TransientCodes =
    [
        6,     // HostUnreachable
        7,     // HostNotFound
        50,    // MaxTimeMSExpired
        89,    // NetworkTimeout
        91,    // ShutdownInProgress
        112,   // WriteConflict
        189,   // PrimarySteppedDown
        262,   // ExceededTimeLimit
        9001,  // SocketException
        10107, // NotWritablePrimary
        11600, // InterruptedAtShutdown
        11602, // InterruptedDueToReplStateChange
        13435, // NotPrimaryNoSecondaryOk
        13436, // NotPrimaryOrSecondary
    ];

    /// <summary>Server codes of a write whose data the server refuses (retrying the same data cannot help).</summary>
    private static readonly HashSet<int> RejectedCodes =
    [
        2,       // BadValue
        17,      // InvalidLength
        40,      // ConflictingUpdateOperators (e.g. fields "a" and "a.b" in one $setOnInsert)
        52,      // DollarPrefixedFieldName
        55,      // InvalidDBRef
        56,      // EmptyFieldName
        57,      // DottedFieldName
        121,     // DocumentValidationFailure
        10334,   // BSONObjectTooLarge
        17419,   // document too large after an update
        17420,   // document to upsert too large
        7655103, // document to upsert too large (newer servers)
    ];

    /// <summary>
    /// Server codes of a write error that concerns the one document of its operation: in the event-upsert step (one
    /// operation per event, <c>$setOnInsert</c> of that event's fields) the event's own data is refused, so the sink
    /// refuses that item alone and writes the rest of its batch. A subset of the rejected codes: the document failed
    /// the collection's validator (121), a value or a field name the server cannot store (2, 40, 52, 55, 56, 57), or the
    /// document is too large (10334, 17419, 17420, 7655103). Every other code keeps charging the whole batch.
    /// </summary>
    private static readonly HashSet<int> ItemCodes = [2, 40, 52, 55, 56, 57, 121, 10334, 17419, 17420, 7655103];

    /// <summary>The server code of a write error meaning "a document with this key is there already".</summary>
    public const int DuplicateKey = 11000;

    /// <summary>What a failed operation means for every batch in it.</summary>
    public static SinkOutcome Classify(Exception exception) => exception switch
    {
        BrokenCircuitException => SinkOutcome.Unavailable,
        MongoConnectionException => SinkOutcome.Unavailable,
        MongoNotPrimaryException or MongoNodeIsRecoveringException => SinkOutcome.Unavailable,
        MongoExecutionTimeoutException => SinkOutcome.Failed,
        MongoWriteConcernException => SinkOutcome.Unavailable,
        MongoBulkWriteException { WriteConcernError: not null } => SinkOutcome.Unavailable,
        MongoBulkWriteException bulk => Worst(bulk.WriteErrors.Select(e => ClassifyWriteError(e.Category, e.Code))),
        MongoWriteException { WriteError: { } error } => ClassifyWriteError(error.Category, error.Code),
        MongoCommandException command => ClassifyCode(command.Code),
        TimeoutException => SinkOutcome.Unavailable,
        MongoWaitQueueFullException => SinkOutcome.Unavailable,
        _ => SinkOutcome.Failed,
    };

    /// <summary>What one write error of a bulk write means for the batch whose operation it was.</summary>
    public static SinkOutcome ClassifyWriteError(ServerErrorCategory category, int code) => category switch
    {
        ServerErrorCategory.DuplicateKey => SinkOutcome.Written,
        ServerErrorCategory.ExecutionTimeout => SinkOutcome.Failed,
        _ => ClassifyCode(code),
    };

    /// <summary>
    /// True when a write error of a one-document operation concerns that document alone (its data is refused), so only
    /// its item needs to be refused: see <see cref="ItemCodes"/>. Never for a duplicate key (that is success) or a time limit.
    /// </summary>
    public static bool ConcernsOneDocument(ServerErrorCategory category, int code) =>
        category == ServerErrorCategory.Uncategorized && ItemCodes.Contains(code);

    /// <summary>True when sending the same operation again may succeed: Polly retries these inside one write.</summary>
    public static bool IsTransient(Exception exception) =>
        exception is not (BrokenCircuitException or OperationCanceledException)
        && Classify(exception) is SinkOutcome.Unavailable or SinkOutcome.Failed;

    /// <summary>True when the error says the sink as a whole is unreachable: these open the circuit breaker.</summary>
    public static bool IsUnavailable(Exception exception) =>
        exception is not (BrokenCircuitException or OperationCanceledException)
        && Classify(exception) == SinkOutcome.Unavailable;

    private static SinkOutcome ClassifyCode(int code) =>
        code == DuplicateKey ? SinkOutcome.Written
        : TransientCodes.Contains(code) ? SinkOutcome.Failed
        : RejectedCodes.Contains(code) ? SinkOutcome.Rejected
        : SinkOutcome.Failed;

    /// <summary>The outcome that asks for the most care: unavailable, then failed, then rejected, then written.</summary>
    private static SinkOutcome Worst(IEnumerable<SinkOutcome> outcomes)
    {
        var result = SinkOutcome.Written;
        foreach (var outcome in outcomes)
        {
            if (Rank(outcome) > Rank(result))
            {
                result = outcome;
            }
        }

        return result;
    }

    private static int Rank(SinkOutcome outcome) => outcome switch
    {
        SinkOutcome.Written => 0,
        SinkOutcome.Rejected => 1,
        SinkOutcome.Invalid => 1,
        SinkOutcome.Failed => 2,
        _ => 3,
    };
}
