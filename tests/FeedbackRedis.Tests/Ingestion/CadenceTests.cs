using FeedbackRedis.Ingestion;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackRedis.Tests.Ingestion;

[Category(TestCategories.Unit)]
public sealed class CadenceTests
{
    [Test]
    public void IsDue_FirstAndAfterEachInterval_NotInBetween()
    {
        var time = new FakeTimeProvider();
        var cadence = new Cadence(time, TimeSpan.FromMilliseconds(250));
        Assert.That(cadence.IsDue, Is.True, "never checked");

        cadence.Restart();
        Assert.That(cadence.IsDue, Is.False);
        time.Advance(TimeSpan.FromMilliseconds(249));
        Assert.That(cadence.IsDue, Is.False, "1 ms early");
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(cadence.IsDue, Is.True);
        Assert.That(cadence.IsDue, Is.True, "stays due until the check is made");

        cadence.Restart();
        Assert.That(cadence.IsDue, Is.False);
    }
}
