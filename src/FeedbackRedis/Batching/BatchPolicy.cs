using System.Globalization;
using System.Text;
using FeedbackRedis.Configuration;

namespace FeedbackRedis.Batching;

/// <summary>
/// One agent's (or lane's) overrides of the batch size, batch time and byte limit; a part left null follows the global
/// setting. Stored in the shard's <c>P:policy</c> hash as <c>batch_size=N;batch_time_ms=N;max_bytes=N</c> (only the
/// parts set), which append.lua reads. Each part has the range of its global setting's row in
/// <see cref="FeedbackSettings"/> (<c>max_bytes=0</c> turns the byte limit off for this agent).
/// </summary>
public sealed record BatchPolicy(long? BatchSize, long? BatchTimeMs, long? MaxBytes)
{
    /// <summary>The settings rows whose ranges the parts follow.</summary>
    private static Setting SizeRow => FeedbackSettings.Get(FeedbackSettings.Batching, nameof(BatchingOptions.BatchSize));

    private static Setting TimeRow => FeedbackSettings.Get(FeedbackSettings.Batching, nameof(BatchingOptions.BatchTime));

    private static Setting BytesRow => FeedbackSettings.Get(FeedbackSettings.Batching, nameof(BatchingOptions.MaxBatchBytes));

    /// <summary>True when no part is set.</summary>
    public bool IsEmpty => BatchSize is null && BatchTimeMs is null && MaxBytes is null;

    /// <summary>What is wrong with this policy, naming the part, its value and the allowed range; null when it is valid.</summary>
    public string? Explain()
    {
        if (IsEmpty)
        {
            return "a policy needs at least one of --batch-size, --batch-time-ms, --max-bytes";
        }

        return ExplainRanges();
    }

    /// <summary>What is wrong with a part of this policy (an empty one is not wrong here); null when each part is in range.</summary>
    public string? ExplainRanges() =>
        Check("--batch-size", BatchSize, SizeRow) ?? Check("--batch-time-ms", BatchTimeMs, TimeRow) ?? Check("--max-bytes", MaxBytes, BytesRow);

    /// <summary>
    /// This policy with the parts <paramref name="over"/> sets taking their place, less the parts in
    /// <paramref name="remove"/> (the merge of <c>feedbackctl policy set</c> and <c>policy clear --only</c>).
    /// </summary>
    public BatchPolicy Merge(BatchPolicy over, PolicyParts remove = PolicyParts.None)
    {
        ArgumentNullException.ThrowIfNull(over);
        return new BatchPolicy(
            remove.HasFlag(PolicyParts.BatchSize) ? null : over.BatchSize ?? BatchSize,
            remove.HasFlag(PolicyParts.BatchTime) ? null : over.BatchTimeMs ?? BatchTimeMs,
            remove.HasFlag(PolicyParts.MaxBytes) ? null : over.MaxBytes ?? MaxBytes);
    }

    /// <summary>No part set: the global settings.</summary>
    public static BatchPolicy None { get; } = new(null, null, null);

    /// <summary>The stored form, e.g. <c>batch_size=10;max_bytes=4096</c>.</summary>
    public string Format()
    {
        var parts = new List<string>(3);
        if (BatchSize is { } size)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"batch_size={size}"));
        }

        if (BatchTimeMs is { } time)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"batch_time_ms={time}"));
        }

        if (MaxBytes is { } bytes)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"max_bytes={bytes}"));
        }

        return string.Join(';', parts);
    }

    /// <summary>Reads the stored form; a part that is missing or not a number is null (append.lua reads it the same way).</summary>
    public static BatchPolicy Parse(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        long? size = null, time = null, bytes = null;
        foreach (var part in stored.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !long.TryParse(part.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            {
                continue;
            }

            switch (part[..eq])
            {
                case "batch_size": size = value; break;
                case "batch_time_ms": time = value; break;
                case "max_bytes": bytes = value; break;
                default: break;
            }
        }

        return new BatchPolicy(size, time, bytes);
    }

    /// <summary>For people: <c>batch size 10, batch time 60,000 ms, max bytes off</c>; parts not set are omitted.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        void Add(string part)
        {
            text.Append(text.Length > 0 ? ", " : "").Append(part);
        }

        if (BatchSize is { } size)
        {
            Add(string.Create(CultureInfo.InvariantCulture, $"batch size {size:N0}"));
        }

        if (BatchTimeMs is { } time)
        {
            Add(string.Create(CultureInfo.InvariantCulture, $"batch time {time:N0} ms"));
        }

        if (MaxBytes is { } bytes)
        {
            Add(bytes == 0 ? "max bytes off" : string.Create(CultureInfo.InvariantCulture, $"max bytes {bytes:N0}"));
        }

        return text.ToString();
    }

    private static string? Check(string option, long? value, Setting row) =>
        value is { } v && (v < row.Min || v > row.Max)
            ? string.Create(CultureInfo.InvariantCulture, $"{option} is {v}; allowed: {row.Min:N0} to {row.Max:N0} (as {row.Env})")
            : null;
}
