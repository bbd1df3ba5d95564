using FeedbackRedis.Items;
using System.Text.Json;
using System.Text.Unicode;

namespace FeedbackRedis.Ingestion;

/// <summary>
/// Reads a feedback event from its raw UTF-8 JSON in one forward pass (<see cref="Utf8JsonReader"/>, no DOM). Checks the
/// shape only (types, required fields, repeats, version); <see cref="EventClassifier"/> checks ids and sizes. The
/// schema is in docs/EVENTS.md. Pure and thread-safe.
/// </summary>
public static class FeedbackEventReader
{
    /// <summary>The schema version this consumer reads; a message without <c>version</c> is version 1.</summary>
    public const int SupportedVersion = 1;

    private const int MaxDetail = 300;

    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 };

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
                reader.Skip();
                reader.Read(); // throws on anything after the value, so "[1] x" is not-json, not wrong-shape
                failure = Classification.Reject(DeadLetterReason.WrongShape, $"the value is a JSON {Describe(kind)}, not an object");
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
            failure = Classification.Reject(DeadLetterReason.NotJson, Truncate("the value is not JSON: " + ex.Message));
            return null;
        }

        return fields.ToEvent(type, out failure);
    }

    internal static string Truncate(string text) => text.Length <= MaxDetail ? text : text[..MaxDetail] + "...";

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "array",
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

        public void ReadProperty(ref Utf8JsonReader reader, FeedbackType type, ReadOnlyMemory<byte> value)
        {
            int field = KnownField(ref reader, type);
            string? unknownName = field < 0 ? reader.GetString() : null;
            reader.Read();
            if (field < 0)
            {
                long start = reader.TokenStartIndex;
                reader.Skip();
                (_extra ??= []).Add(new(unknownName!, value.Slice((int)start, (int)(reader.BytesConsumed - start))));
                return;
            }

            string name = FieldNames[field];
            if ((_seen & (1 << field)) != 0)
            {
                _shapeProblem ??= $"the field '{name}' appears more than once";
                reader.Skip();
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
                    if (token == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at))
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

            reader.Skip(); // a wrongly typed object or array value
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
            else if (_shapeProblem is not null)
            {
                failure = Classification.Reject(DeadLetterReason.WrongShape, Truncate(_shapeProblem));
            }
            else if (_payload is null)
            {
                string field = type == FeedbackType.Reply ? "text" : "reaction";
                failure = Classification.Reject(DeadLetterReason.WrongShape, $"a {type.ToString().ToLowerInvariant()} needs a '{field}' string");
            }
            else if (type == FeedbackType.Reaction && _payload.Length == 0)
            {
                failure = Classification.Reject(DeadLetterReason.WrongShape, "reaction is empty");
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

        private static string? StringOrNull(ref Utf8JsonReader reader, ref string? problem, string name)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    return reader.GetString();
                case JsonTokenType.Null:
                    return null;
                default:
                    problem ??= $"{name} must be a string, not a {Describe(reader.TokenType)}";
                    return null;
            }
        }
    }
}
