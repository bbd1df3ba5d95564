namespace FeedbackRedis.Fuzz;

/// <summary>The fuzz targets by name. Each takes one input and throws <see cref="PropertyViolation"/> (or lets an exception escape) when a property fails.</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<string> Names { get; } = ["classify", "item"];

    public static Action<byte[]>? Find(string name) => name switch
    {
        "classify" => ClassifyTarget.Run,
        "item" => ItemTarget.Run,
        _ => null,
    };
}
