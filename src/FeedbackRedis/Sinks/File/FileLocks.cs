namespace FeedbackRedis.Sinks.File;

/// <summary>Recognises "another process holds the file's lock" (.NET takes advisory flock locks for FileShare).</summary>
internal static class FileLocks
{
    private const int SharingViolation = unchecked((int)0x80070020);

    public static bool IsSharingViolation(IOException exception) => exception.HResult == SharingViolation;
}
