using System.Runtime.InteropServices;

namespace FeedbackRedis.Sinks.File;

/// <summary>
/// Appends bytes to a file so that writers in several processes never overwrite or interleave each other: the file is
/// opened with <c>O_APPEND</c> (every write lands at the current end), the whole append happens under an exclusive
/// <c>flock</c>, and the data is fsynced before the lock is released. .NET's <c>FileMode.Append</c> does not use
/// <c>O_APPEND</c> (it seeks to the end once, at open), so two processes appending through it overwrote each other's
/// lines; hence libc directly. Linux and other Unix only: the service's images are Linux.
/// <para>
/// A torn end never swallows the next line. Under the lock the append notes the file's size first. If any write (or
/// the fsync) fails, the file is truncated back to that size before the failure is reported, so a failed append
/// leaves the file as it found it. If the file does not end with <c>\n</c> (a writer killed in the middle of its
/// write leaves that; nothing can truncate after it), a <c>\n</c> is written first, so the fragment stays a line of
/// its own and the first new line starts clean.
/// </para>
/// </summary>
internal static unsafe partial class AppendOnlyFile
{
    private const int ReadWrite = 0x2; // pread needs read access: the last byte decides the newline guard
    private const int Create = 0x40;
    private const int AppendFlag = 0x400;
    private const int CloseOnExec = 0x80000;
    private const int LockExclusive = 2;
    private const int SeekEnd = 2;
    private const int Interrupted = 4; // EINTR

    /// <summary>
    /// Writes some or all of <paramref name="data"/> to <paramref name="fd"/>, as <c>write(2)</c> does: the number of
    /// bytes written, or minus the errno. <see cref="SystemWrite"/> is the real one; tests pass one that fails part-way.
    /// </summary>
    internal delegate long WriteCall(int fd, ReadOnlySpan<byte> data);

    /// <summary>Appends <paramref name="data"/> whole, then fsyncs. Blocks while another process holds the file's lock.</summary>
    /// <returns>True when the file ended with a torn line, which this append closed with a <c>\n</c> first.</returns>
    /// <exception cref="IOException">
    /// The file could not be opened, locked, written or synced. After a failed write or fsync the file is truncated
    /// back to its size before this append (the message says so if even that failed).
    /// </exception>
    public static bool Append(string path, ReadOnlySpan<byte> data) => Append(path, data, SystemWrite);

    /// <summary><see cref="Append(string, ReadOnlySpan{byte})"/> through <paramref name="write"/> (the fault-injection seam).</summary>
    internal static bool Append(string path, ReadOnlySpan<byte> data, WriteCall write)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (data.IsEmpty)
        {
            return false;
        }

        int fd = (int)Retry(() => Open(path, ReadWrite | Create | AppendFlag | CloseOnExec, Convert.ToInt32("644", 8)), "open", path);
        try
        {
            Retry(() => Flock(fd, LockExclusive), "lock", path);

            // With the lock held no other appender moves the end: this is where this append begins.
            long start = Retry(() => Lseek(fd, 0, SeekEnd), "seek", path);
            bool tornEnd = start > 0 && LastByte(fd, start, path) != (byte)'\n';
            try
            {
                if (tornEnd)
                {
                    WriteAll(fd, "\n"u8, write, path);
                }

                WriteAll(fd, data, write, path);
                Retry(() => Fsync(fd), "fsync", path);
            }
            catch (IOException failure)
            {
                TruncateBack(fd, start, path, failure);
                throw;
            }

            return tornEnd;
        }
        finally
        {
            _ = Close(fd); // releases the lock
        }
    }

    /// <summary>The real <c>write(2)</c>, in the shape of <see cref="WriteCall"/>.</summary>
    internal static long SystemWrite(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            long n = Write(fd, start, data.Length);
            return n >= 0 ? n : -Marshal.GetLastPInvokeError();
        }
    }

    private static void WriteAll(int fd, ReadOnlySpan<byte> data, WriteCall write, string path)
    {
        int written = 0;
        while (written < data.Length)
        {
            long n = write(fd, data[written..]);
            if (n == -Interrupted)
            {
                continue;
            }

            if (n < 0)
            {
                throw Fail("write", path, (int)-n);
            }

            if (n == 0)
            {
                throw new IOException($"write {path}: no byte written of {data.Length - written}");
            }

            written += (int)n;
        }
    }

    private static byte LastByte(int fd, long size, string path)
    {
        byte last = 0;
        while (true)
        {
            long n = Pread(fd, &last, 1, size - 1);
            if (n == 1)
            {
                return last;
            }

            if (n == 0)
            {
                throw new IOException($"read {path}: no byte at offset {size - 1} although the file had {size}");
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != Interrupted)
            {
                throw Fail("read", path, errno);
            }
        }
    }

    /// <summary>Cuts off what a failed append wrote. Throws (naming both failures) only when that fails too.</summary>
    private static void TruncateBack(int fd, long start, string path, IOException failure)
    {
        try
        {
            Retry(() => Ftruncate(fd, start), "truncate", path);
            _ = Fsync(fd); // best effort: the append has failed either way
        }
        catch (IOException truncation)
        {
            throw new IOException(
                $"{failure.Message}; truncating back to {start} bytes failed too ({truncation.Message}): the file may end with a torn line",
                failure);
        }
    }

    private static long Retry(Func<long> call, string what, string path)
    {
        while (true)
        {
            long result = call();
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

    // off_t is 64 bits on the 64-bit Linux the service runs on.
    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long Lseek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static partial nint Pread(int fd, byte* buffer, nint count, long offset);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int Ftruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
