using System.Runtime.InteropServices;

namespace FeedbackRedis.Sinks.File;

/// <summary>
/// Appends bytes to a file so that writers in several processes never overwrite or interleave each other: the file is
/// opened with <c>O_APPEND</c> (every write lands at the current end), the whole append happens under an exclusive
/// <c>flock</c>, and the data is fsynced before the lock is released. .NET's <c>FileMode.Append</c> does not use
/// <c>O_APPEND</c> (it seeks to the end once, at open), so two processes appending through it overwrite each other's
/// lines; hence libc directly. Linux and other Unix only: the service's images are Linux.
/// </summary>
internal static unsafe partial class AppendOnlyFile
{
    private const int WriteOnly = 0x1;
    private const int Create = 0x40;
    private const int AppendFlag = 0x400;
    private const int CloseOnExec = 0x80000;
    private const int LockExclusive = 2;
    private const int Interrupted = 4; // EINTR

    /// <summary>Appends <paramref name="data"/> whole, then fsyncs. Blocks while another process holds the file's lock.</summary>
    /// <exception cref="IOException">The file could not be opened, locked, written or synced.</exception>
    public static void Append(string path, ReadOnlySpan<byte> data)
    {
        int fd = Retry(() => Open(path, WriteOnly | Create | AppendFlag | CloseOnExec, Convert.ToInt32("644", 8)), "open", path);
        try
        {
            Retry(() => Flock(fd, LockExclusive), "lock", path);
            fixed (byte* start = data)
            {
                long written = 0;
                while (written < data.Length)
                {
                    long n = Write(fd, start + written, (nint)(data.Length - written));
                    if (n < 0)
                    {
                        int errno = Marshal.GetLastPInvokeError();
                        if (errno == Interrupted)
                        {
                            continue;
                        }

                        throw Fail("write", path, errno);
                    }

                    written += n;
                }
            }

            Retry(() => Fsync(fd), "fsync", path);
        }
        finally
        {
            _ = Close(fd); // releases the lock
        }
    }

    private static int Retry(Func<int> call, string what, string path)
    {
        while (true)
        {
            int result = call();
            if (result >= 0)
            {
                return result;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != Interrupted)
            {
                throw Fail(what, path, errno);
            }
        }
    }

    private static IOException Fail(string what, string path, int errno) =>
        new($"{what} {path}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
