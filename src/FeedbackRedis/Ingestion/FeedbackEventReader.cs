using System.Text.Json;
using System.Text.Unicode;
using FeedbackRedis.Items;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// Reads a feedback event from its raw UTF-8 JSON in one forward pass (<see cref="Utf8JsonReader"/>, no DOM), and
/// enforces <see cref="ItemLimits"/> on every token, unknown fields included: depth, text that decodes (no lone
/// surrogate escapes, no control characters in names), finite numbers, no repeated names at any level. What it accepts,
/// <see cref="StoredItem"/> writes and every reader downstream reads back. Checks the shape only (types, required
/// fields, version); <see cref="EventClassifier"/> checks ids and sizes. Schema: docs/EVENTS.md. Pure and thread-safe.
/// </summary>
public static class FeedbackEventReader
{
    /// <summary>The schema version this consumer reads; a message without <c>version</c> is version 1.</summary>
    public const int SupportedVersion = 1;

    private const int MaxDetail = 300;

    // Deeper than the limit, so that a too-deep message is seen by the walk before the reader itself refuses it.
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = ItemLimits.ReaderMaxDepth * 4,
    };

    /// <summary>Reads <paramref name="value"/> as a <paramref name="type"/> event.</summary>
    /// <returns>The event, or null with <paramref name="failure"/> saying why it cannot be one.</returns>
    public static FeedbackEvent? Read(ReadOnlyMemory<byte> value, FeedbackType type, out Classification? failure)
    {
        var span = value.Span;
        if (span.IsEmpty)
        {
            failure = Classification.Reject(DeadLetterReason.NotJson, "the message has no value");
            return null;
        }

        if (!Utf8.IsValid(span))
        {
            failure = Classification.Reject(DeadLetterReason.NotJson, "the value is not valid UTF-8");
            return null;
        }

        var fields = new Fields();
        try
        {
            var reader = new Utf8JsonReader(span, ReaderOptions);
            if (!reader.Read())
            {
                failure = Classification.Reject(DeadLetterReason.NotJson, "the value is empty");
                return null;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                var kind = reader.TokenType;
                fields.Walk(ref reader, null);
                reader.Read(); // throws on anything after the value, so "[1] x" is not-json, not wrong-shape
                failure = fields.ContentProblem ?? Classification.Reject(DeadLetterReason.WrongShape, $"the value is a JSON {Describe(kind)}, not an object");
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                fields.ReadProperty(ref reader, type, value);
            }

            reader.Read(); // throws on trailing content
        }
        catch (JsonException ex)
        {
            // A message nested past the reader's own limit was already found too deep by the walk.
            failure = fields.ContentProblem is { Reason: DeadLetterReason.TooDeep } deep
                ? deep
                : Classification.Reject(DeadLetterReason.NotJson, Truncate("the value is not JSON: " + ex.Message));
            return null;
        }

        return fields.ToEvent(type, out failure);
    }

    internal static string Truncate(string text) => text.Length <= MaxDetail ? text : text[..MaxDetail] + "...";

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "array",
        JsonTokenType.StartObject => "object",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString().ToLowerInvariant(),
    };

    /// <summary>The fields read so far and the first problem met.</summary>
    private sealed class Fields
    {
        private int _seen; // one bit per known field, to refuse repeats
        private List<KeyValuePair<string, ReadOnlyMemory<byte>>>? _extra;
        private HashSet<string>? _extraNames;
        private int? _version;
        private string? _eventId;
        private string? _agentId;
        private string? _messageId;
        private string? _conversationId;
        private string? _userId;
        private string? _payload;
        private DateTimeOffset? _occurredAt;
        private string? _versionProblem;
        private string? _shapeProblem;
        private string? _agentProblem;
        private string? _eventIdProblem;

        /// <summary>The first problem of the content itself (depth, text, numbers), which outranks every shape problem.</summary>
        public Classification? ContentProblem { get; private set; }

        public void ReadProperty(ref Utf8JsonReader reader, FeedbackType type, ReadOnlyMemory<byte> value)
        {
            // A name that is not text cannot be compared with the known names (the comparison would throw).
            bool isText = IsText(ref reader, null);
            int field = isText ? KnownField(ref reader, type) : -1;
            string? unknownName = field < 0 && isText ? Name(ref reader, "a field name") : null;
            reader.Read();
            if (field < 0)
            {
                long start = reader.TokenStartIndex;
                Walk(ref reader, unknownName);
                if (unknownName is not null && !(_extraNames ??= new HashSet<string>(StringComparer.Ordinal)).Add(unknownName))
                {
                    _shapeProblem ??= $"the field '{unknownName}' appears more than once";
                }

                (_extra ??= []).Add(new(unknownName ?? "", value.Slice((int)start, (int)(reader.BytesConsumed - start))));
                return;
            }

            string name = FieldNames[field];
            if ((_seen & (1 << field)) != 0)
            {
                _shapeProblem ??= $"the field '{name}' appears more than once";
                Walk(ref reader, name);
                return;
            }

            _seen |= 1 << field;
            var token = reader.TokenType;
            switch (name)
            {
                case "version":
                    if (token == JsonTokenType.Number && reader.TryGetInt32(out int version))
                    {
                        _version = version;
                    }
                    else
                    {
                        _versionProblem = $"version must be a whole number, not a {Describe(token)}";
                    }

                    break;
                case "eventId":
                    _eventId = StringOrNull(ref reader, ref _eventIdProblem, "eventId");
                    break;
                case "agentId":
                    _agentId = StringOrNull(ref reader, ref _agentProblem, "agentId");
                    break;
                case "messageId":
                    _messageId = StringOrNull(ref reader, ref _shapeProblem, "messageId");
                    break;
                case "conversationId":
                    _conversationId = StringOrNull(ref reader, ref _shapeProblem, "conversationId");
                    break;
                case "userId":
                    _userId = StringOrNull(ref reader, ref _shapeProblem, "userId");
                    break;
                case "occurredAt":
                    if (token == JsonTokenType.String && IsText(ref reader, name) && reader.TryGetDateTimeOffset(out var at) && Representable(at))
                    {
                        _occurredAt = at;
                    }
                    else if (token != JsonTokenType.Null)
                    {
                        _shapeProblem ??= "occurredAt must be an ISO-8601 date-time string such as 2026-11-23T12:00:00Z";
                    }

                    break;
                default:
                    _payload = StringOrNull(ref reader, ref _shapeProblem, name);
                    break;
            }

            if (token != JsonTokenType.String)
            {
                Walk(ref reader, name); // checks (and skips) a wrongly typed object or array, and any number
            }
        }

        /// <summary>
        /// Checks the value the reader is on and everything inside it against <see cref="ItemLimits"/>, leaving the reader on
        /// its last token. The first problem is kept in <see cref="ContentProblem"/>.
        /// </summary>
        public void Walk(ref Utf8JsonReader reader, string? field)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    if (reader.CurrentDepth + 1 > ItemLimits.MaxMessageDepth)
                    {
                        Problem(DeadLetterReason.TooDeep, $"the value nests deeper than {ItemLimits.MaxMessageDepth} levels{Where(field)}");
                        reader.Skip();
                        return;
                    }

                    bool isObject = reader.TokenType == JsonTokenType.StartObject;
                    HashSet<string>? names = null;
                    while (reader.Read() && reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray))
                    {
                        if (isObject && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            if (Name(ref reader, $"a field name{Where(field)}") is { } inner && !(names ??= new(StringComparer.Ordinal)).Add(inner))
                            {
                                _shapeProblem ??= $"the field '{inner}'{Where(field)} appears more than once";
                            }

                            reader.Read();
                        }

                        Walk(ref reader, field);
                    }

                    return;
                case JsonTokenType.String:
                    _ = IsText(ref reader, field);
                    return;
                case JsonTokenType.Number:
                    if (!reader.TryGetDouble(out double number) || !double.IsFinite(number))
                    {
                        Problem(DeadLetterReason.InvalidNumber, $"the number {Raw(ref reader)}{Where(field)} is not finite as a double");
                    }

                    return;
                default:
                    return;
            }
        }

        private static string Where(string? field) => field is null ? "" : $" (in '{Truncate(field)}')";

        private static string Raw(ref Utf8JsonReader reader) =>
            Truncate(System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan));

        private void Problem(DeadLetterReason reason, string detail) => ContentProblem ??= Classification.Reject(reason, Truncate(detail));

        /// <summary>True when the string the reader is on decodes to valid UTF-16 (the raw bytes were checked as UTF-8 already).</summary>
        private bool IsText(ref Utf8JsonReader reader, string? field)
        {
            if (!reader.ValueIsEscaped)
            {
                return true;
            }

            try
            {
                _ = reader.GetString();
                return true;
            }
            catch (InvalidOperationException)
            {
                Problem(DeadLetterReason.InvalidText, $"a string{Where(field)} holds a lone UTF-16 surrogate escape");
                return false;
            }
        }

        /// <summary>The property name the reader is on, or null (and a problem) when it is not text or holds a control character.</summary>
        private string? Name(ref Utf8JsonReader reader, string what)
        {
            if (!IsText(ref reader, null))
            {
                return null;
            }

            string name = reader.GetString()!;
            foreach (char c in name)
            {
                if (char.IsControl(c))
                {
                    Problem(DeadLetterReason.InvalidText, $"{what} contains the control character \\u{(int)c:x4}");
                    return null;
                }
            }

            return name;
        }

        /// <summary>A time whose UTC form exists (an offset can push 0001-01-01 or 9999-12-31 out of range).</summary>
        private static bool Representable(DateTimeOffset at)
        {
            try
            {
                _ = at.UtcDateTime;
                return true;
            }
            catch (ArgumentOutOfRangeException)
            {
                return false;
            }
        }

        private static readonly string[] FieldNames =
            ["version", "eventId", "agentId", "messageId", "conversationId", "userId", "occurredAt", "text", "reaction"];

        /// <summary>The index in <see cref="FieldNames"/> of the property the reader is on, or -1 for a field this topic does not know.</summary>
        private static int KnownField(ref Utf8JsonReader reader, FeedbackType type)
        {
            if (reader.ValueTextEquals("agentId"u8))
            {
                return 2;
            }

            if (reader.ValueTextEquals("eventId"u8))
            {
                return 1;
            }

            if (type == FeedbackType.Reply ? reader.ValueTextEquals("text"u8) : reader.ValueTextEquals("reaction"u8))
            {
                return type == FeedbackType.Reply ? 7 : 8;
            }

            for (int i = 0; i < 7; i++)
            {
                if (i is not (1 or 2) && reader.ValueTextEquals(FieldNames[i]))
                {
                    return i;
                }
            }

            return -1;
        }

        public FeedbackEvent? ToEvent(FeedbackType type, out Classification? failure)
        {
            failure = null;
            if (_versionProblem is not null)
            {
                failure = Classification.Reject(DeadLetterReason.WrongShape, _versionProblem);
            }
            else if (_version is { } v && v != SupportedVersion)
            {
                failure = Classification.Reject(
                    DeadLetterReason.UnsupportedVersion, $"version {v} is not supported; this consumer reads version {SupportedVersion}");
            }
            else if (ContentProblem is not null)
            {
                failure = ContentProblem;
            }
            else if (_shapeProblem is not null)
            {
                failure = Classification.Reject(DeadLetterReason.WrongShape, Truncate(_shapeProblem));
            }
            else if (_payload is null)
            {
                string field = type == FeedbackType.Reply ? "text" : "reaction";
                failure = Classification.Reject(DeadLetterReason.WrongShape, $"a {type.ToString().ToLowerInvariant()} needs a '{field}' string");
            }
            else if (type == FeedbackType.Reaction && string.IsNullOrWhiteSpace(_payload))
            {
                failure = Classification.Reject(DeadLetterReason.WrongShape, "reaction is empty or only white space");
            }
            else if (_agentProblem is not null || _agentId is null)
            {
                failure = Classification.Reject(DeadLetterReason.InvalidAgentId, _agentProblem ?? "agentId is missing");
            }
            else if (_eventIdProblem is not null)
            {
                failure = Classification.Reject(DeadLetterReason.InvalidEventId, _eventIdProblem);
            }

            if (failure is not null)
            {
                return null;
            }

            return new FeedbackEvent(
                type,
                _version ?? SupportedVersion,
                _eventId,
                _agentId!,
                _messageId,
                _conversationId,
                _userId,
                type == FeedbackType.Reply ? _payload : null,
                type == FeedbackType.Reaction ? _payload : null,
                _occurredAt,
                _extra ?? (IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>>)[]);
        }

        private string? StringOrNull(ref Utf8JsonReader reader, ref string? problem, string name)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    return IsText(ref reader, name) ? reader.GetString() : null;
                case JsonTokenType.Null:
                    return null;
                default:
                    problem ??= $"{name} must be a string, not a {Describe(reader.TokenType)}";
                    return null;
            }
        }
    }
}
