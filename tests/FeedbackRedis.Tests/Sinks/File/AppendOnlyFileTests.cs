using System.Text;
using FeedbackRedis.Sinks.File;

namespace FeedbackRedis.Tests.Sinks.File;

[Category(TestCategories.Unit)]
public sealed class AppendOnlyFileTests
{
    private const int NoSpace = 28; // ENOSPC
    private const int Interrupted = 4; // EINTR
    private string _dir = "";
    private string _path = "";

    [SetUp]
    public void CreateFolder()
    {
        _dir = Directory.CreateTempSubdirectory("feedback-append-").FullName;
        _path = Path.Combine(_dir, "feedback.jsonl");
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void Append_ToANewFileThenAfterAWholeLine_WritesExactlyTheData_WithNoExtraNewline()
    {
        bool firstClosedATornEnd = AppendOnlyFile.Append(_path, "one\n"u8);
        bool secondClosedATornEnd = AppendOnlyFile.Append(_path, "two\nthree\n"u8);

        Assert.Multiple(() =>
        {
            Assert.That(Text(), Is.EqualTo("one\ntwo\nthree\n"));
            Assert.That(firstClosedATornEnd, Is.False);
            Assert.That(secondClosedATornEnd, Is.False);
        });
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(4096)]
    [TestCase(99_999)]
    public void Append_WhenTheDiskFillsAfterKBytes_TruncatesBackToWhereTheAppendBegan_AndReportsTheError(int k)
    {
        AppendOnlyFile.Append(_path, "before\n"u8);
        byte[] before = System.IO.File.ReadAllBytes(_path);
        byte[] group = Lines(100_000);
        long sizeWhenItFailed = -1;

        var error = Assert.Throws<IOException>(() => AppendOnlyFile.Append(_path, group, FailAfter(k, NoSpace, () => sizeWhenItFailed = new FileInfo(_path).Length)));

        Assert.Multiple(() =>
        {
            Assert.That(sizeWhenItFailed, Is.EqualTo(before.Length + k), "the first K bytes really reached the file");
            Assert.That(System.IO.File.ReadAllBytes(_path), Is.EqualTo(before), "cut back to the byte");
            Assert.That(error!.Message, Does.Contain("errno 28").And.Contain(_path));
        });

        AppendOnlyFile.Append(_path, group);

        Assert.That(System.IO.File.ReadAllBytes(_path), Is.EqualTo(before.Concat(group).ToArray()));
    }

    [Test]
    public void Append_AfterAWriterDiedMidLine_WritesANewlineFirst_SoTheFragmentStaysOnItsOwnLine()
    {
        System.IO.File.WriteAllText(_path, "one\n{\"eventId\":\"e-2\",\"ag");

        bool closedATornEnd = AppendOnlyFile.Append(_path, "three\n"u8);

        Assert.Multiple(() =>
        {
            Assert.That(Text(), Is.EqualTo("one\n{\"eventId\":\"e-2\",\"ag\nthree\n"));
            Assert.That(closedATornEnd, Is.True);
        });
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(3)]
    public void Append_AfterATornEnd_WhenTheWriteFails_LeavesTheFileExactlyAsItWas(int k)
    {
        System.IO.File.WriteAllText(_path, "one\nfrag");

        Assert.Throws<IOException>(() => AppendOnlyFile.Append(_path, "three\n"u8, FailAfter(k, NoSpace)));

        Assert.That(Text(), Is.EqualTo("one\nfrag"), "the guard newline is cut off with the rest");
    }

    [Test]
    public void Append_WhenWritesAreInterruptedOrShort_KeepsWritingUntilTheDataIsWhole()
    {
        byte[] group = Lines(10_000);
        int calls = 0;

        AppendOnlyFile.Append(_path, group, (fd, data) =>
            ++calls % 3 == 1 ? -Interrupted : AppendOnlyFile.SystemWrite(fd, data[..Math.Min(data.Length, 777)]));

        Assert.Multiple(() =>
        {
            Assert.That(System.IO.File.ReadAllBytes(_path), Is.EqualTo(group));
            Assert.That(calls, Is.GreaterThan(group.Length / 777), "the data went in many short writes");
        });
    }

    [Test]
    public void Append_WhenAWriteMakesNoProgress_FailsInsteadOfSpinning_AndCutsBack()
    {
        AppendOnlyFile.Append(_path, "before\n"u8);
        int calls = 0;

        Assert.Throws<IOException>(() => AppendOnlyFile.Append(_path, Lines(1000), (fd, data) =>
            ++calls == 1 ? AppendOnlyFile.SystemWrite(fd, data[..10]) : 0));

        Assert.That(Text(), Is.EqualTo("before\n"));
    }

    /// <summary>A write(2) that writes the first <paramref name="k"/> bytes of the append for real, then fails with <paramref name="errno"/>.</summary>
    internal static AppendOnlyFile.WriteCall FailAfter(long k, int errno, Action? whenFailing = null)
    {
        long passed = 0;
        return (fd, data) =>
        {
            if (passed >= k)
            {
                whenFailing?.Invoke();
                return -errno;
            }

            long n = AppendOnlyFile.SystemWrite(fd, data[..(int)Math.Min(data.Length, k - passed)]);
            passed += Math.Max(n, 0);
            return n;
        };
    }

    private static byte[] Lines(int bytes)
    {
        var text = new StringBuilder();
        for (int i = 0; text.Length < bytes; i++)
        {
            text.Append("{\"eventId\":\"e-").Append(i).Append("\"}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private string Text() => System.IO.File.ReadAllText(_path);
}
