namespace FeedbackRedis.Sinks.File;

/// <summary>What the file sink needs: the JSON-lines file it appends to (<c>FEEDBACK_SINK_FILE_PATH</c>, validated with the flusher's settings).</summary>
/// <param name="FilePath">The file; made absolute when the sink is made.</param>
public sealed record FileSinkOptions(string FilePath);
