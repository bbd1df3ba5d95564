using FeedbackRedis.DevTools.Checks;

namespace FeedbackRedis.Tests.DevTools;

[Category(TestCategories.Unit)]
public sealed class DeadLetterCheckTests
{
    private static readonly string[] Manifest =
    [
        "fb.reply/0/10\ttoo-deep\tdeep-json",
        "fb.reply/1/11\tinvalid-text\tlone-surrogate",
        "fb.reaction/2/12\tnot-json\tnot-json",
        "",
    ];

    [Test]
    public void Compare_EveryExpectedLetterWithItsReason_Passes_AndCopiesCountOnce()
    {
        var expected = DeadLetterCheck.Parse(Manifest, "dead.txt");
        var result = DeadLetterCheck.Compare(expected,
        [
            ("fb.reply/0/10", "too-deep"), ("fb.reply/1/11", "invalid-text"), ("fb.reaction/2/12", "not-json"), ("fb.reply/0/10", "too-deep"),
        ]);

        Assert.That(result.Passed, Is.True, string.Join("; ", result.Examples));
        Assert.That((result.Expected, result.Matched), Is.EqualTo((3L, 3L)));
        Assert.That(result.ByKind["deep-json"], Is.EqualTo(new DeadLetterCheck.KindCount(1, 1)));
    }

    [Test]
    public void Compare_MissingWrongReasonAndStrayLetters_AreEachCountedAndNamed()
    {
        var expected = DeadLetterCheck.Parse(Manifest, "dead.txt");
        var result = DeadLetterCheck.Compare(expected,
        [
            ("fb.reply/0/10", "too-deep"), ("fb.reply/1/11", "wrong-shape"), ("fb.reply/5/99", "not-json"),
        ]);

        Assert.That(result.Passed, Is.False);
        Assert.That((result.Matched, result.Missing, result.WrongReason, result.NotExpected), Is.EqualTo((1L, 1L, 1L, 1L)));
        Assert.That(result.Examples, Has.Some.Contains("missing: not-json at fb.reaction/2/12"));
        Assert.That(result.Examples, Has.Some.Contains("wrong reason: lone-surrogate at fb.reply/1/11: wrong-shape (expected invalid-text)"));
        Assert.That(result.Examples, Has.Some.Contains("not expected: a dead letter from fb.reply/5/99"));
        Assert.That(result.ByKind["lone-surrogate"], Is.EqualTo(new DeadLetterCheck.KindCount(1, 0)));
    }

    [Test]
    public void Compare_ACopyWithAnotherReason_IsAWrongReason()
    {
        var expected = DeadLetterCheck.Parse(["t/0/1\ttoo-large\tgiant"], "dead.txt");
        var result = DeadLetterCheck.Compare(expected, [("t/0/1", "too-large"), ("t/0/1", "not-json")]);

        Assert.That(result.WrongReason, Is.EqualTo(1));
    }

    [TestCase("t/0/1 too-large giant")]
    [TestCase("t/0/1\ttoo-large")]
    [TestCase("t-0-1\ttoo-large\tgiant")]
    [TestCase("t/0/1\t\tgiant")]
    public void Parse_ALineNotSourceReasonKind_IsRefusedNamingTheLine(string line)
    {
        var ex = Assert.Throws<FormatException>(() => DeadLetterCheck.Parse(["t/0/0\tnot-json\tnot-json", line], "dead.txt"));
        Assert.That(ex!.Message, Does.StartWith("dead.txt line 2: expected 'topic/partition/offset<TAB>reason<TAB>kind'"));
    }
}
