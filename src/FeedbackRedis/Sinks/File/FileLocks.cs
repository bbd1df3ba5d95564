namespace FeedbackRedis.Sinks.File;

/// <summary>Recognises "another process holds the file's lock" (.NET takes advisory flock locks for FileShare).</summary>
internal static class FileLocks
{
    // Windows reports ERROR_SHARING_VIOLATION; on Linux .NET's flock fails with EWOULDBLOCK (EAGAIN, 11), which is
    // the exception's HResult there.
    private const int SharingViolation = unchecked((int)0x80070020);
    private const int WouldBlock = 11;

    public static bool IsSharingViolation(IOException exception) => exception.HResult is SharingViolation or WouldBlock;
}
