using Hostile = FeedbackRedis.DevTools.HostileMessages;
using FeedbackRedis.Ingestion;
using FeedbackRedis.Kafka;

namespace FeedbackRedis.Tests.DevTools;

/// <summary>
/// Every hostile message the load generator sends gets, from the consumer's own classifier, the reason the generator
/// promises in its dead manifest (scripts/chaos.sh, row hostile, checks each dead letter against that promise).
/// </summary>
[Category(TestCategories.Unit)]
public sealed class HostileMessagesTests
{
    private const int MaxItemBytes = 8192;
    private static readonly FeedbackTopics Topics = new("fb.reply", "fb.reaction");
    private static readonly DateTimeOffset ReceivedAt = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);

    private static IEnumerable<string> Kinds() => Hostile.Kinds;

    [TestCaseSource(nameof(Kinds))]
    public void Make_EveryVariantOfAKind_IsDeadLetteredWithItsPromisedReason(string kind)
    {
        var classifier = new EventClassifier(Topics, MaxItemBytes, new SourceIdentity("cluster-1"));
        var random = new Random(7);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int n = 0; n < 200; n++)
        {
            bool reaction = n % 2 == 1;
            var (reason, value) = Hostile.Make(kind, random, n, reaction, MaxItemBytes + 1024);
            var verdict = classifier.Classify(new IncomingMessage(reaction ? "fb.reaction" : "fb.reply", 0, n, value), ReceivedAt);

            Assert.That(verdict.IsDeadLetter, Is.True, $"{kind} #{n} was accepted");
            Assert.That(verdict.Reason.Name(), Is.EqualTo(reason), $"{kind} #{n}: {verdict.Detail}");
            Assert.That(verdict.Reason, Is.Not.EqualTo(DeadLetterReason.Unreadable));
            seen.Add(Convert.ToHexString(value));
        }

        Assert.That(seen, Has.Count.EqualTo(200), "each message is its own (its number is in it)");
    }

    [Test]
    public void Giant_IsTheSizeAskedFor_AndTooLargeForTheLargestItemLimit()
    {
        var classifier = new EventClassifier(Topics, ItemLimitsMax, new SourceIdentity("cluster-1"));
        var (reason, value) = Hostile.Giant(3, 1_100_000);

        Assert.That(value, Has.Length.EqualTo(1_100_000));
        var verdict = classifier.Classify(new IncomingMessage("fb.reply", 0, 3, value), ReceivedAt);
        Assert.That((verdict.IsDeadLetter, verdict.Reason.Name()), Is.EqualTo((true, reason)));
        Assert.That(reason, Is.EqualTo("too-large"));
    }

    [Test]
    public void Make_UnknownKind_NamesTheKinds()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Hostile.Make("gentle", new Random(1), 0, false, 9000));
        Assert.That(ex!.Message, Does.Contain("deep-json"));
    }

    /// <summary>The largest FEEDBACK_MAX_ITEM_BYTES the service allows (README: 64 to 1,048,576).</summary>
    private const int ItemLimitsMax = 1_048_576;
}
