using System.Text.Json;
using FeedbackRedis.Sinks.MongoDb;
using FeedbackRedis.Tests.Infrastructure;
using MongoDB.Bson;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

[Category(TestCategories.Unit)]
public sealed class JsonToBsonTests
{
    [TestCase("1", BsonType.Int32)]
    [TestCase("-2147483649", BsonType.Int64)]
    [TestCase("9223372036854775807", BsonType.Int64)]
    [TestCase("9223372036854775808", BsonType.Double)]
    [TestCase("1.5", BsonType.Double)]
    [TestCase("1e308", BsonType.Double)]
    [TestCase("1e-400", BsonType.Double)]
    public void Numbers_BecomeTheNarrowestTypeThatHoldsThem(string json, BsonType expected) =>
        Assert.That(JsonToBson.Convert(Parse(json)).BsonType, Is.EqualTo(expected));

    [TestCase("1e400")]
    [TestCase("-1e400")]
    [TestCase("123456789e999")]
    public void ANumberBeyondDouble_IsRefused_NeverStoredAsInfinity(string json)
    {
        var ex = Assert.Throws<UnstorableItemException>(() => JsonToBson.Document(Parse("{\"meta\":{\"scores\":[1," + json + "]}}")));

        Assert.That(ex!.Message, Is.EqualTo($"field 'meta.scores[1]' holds {json}, which is not a finite double"));
    }

    [Test]
    public void AFieldNameWithNul_IsRefused_BeforeTheDriverWouldFailTheWholeBulkWrite()
    {
        var ex = Assert.Throws<UnstorableItemException>(() => JsonToBson.Document(Parse("""{"a":{"b\u0000c":1}}""")));

        Assert.That(ex!.Message, Is.EqualTo("field 'a.b?c' has a NUL character in its name"));
    }

    [Test]
    public void EventFields_OfAnItemWithAnInfiniteNumber_Throw_ForTheSinkToRefuseThatItem()
    {
        var batch = TestFeedback.Unchecked(TestFeedback.Claimed("agent-1:7", ["""{"eventId":"e-1","agentId":"agent-1","type":"reply","score":1e400}"""]));

        Assert.That(
            () => MongoWriteModels.EventFields(batch.Events[0], batch, DateTime.UnixEpoch),
            Throws.TypeOf<UnstorableItemException>().With.Message.Contains("field 'score'"));
    }

    [Test]
    public void NestedValues_KeepTheirShape()
    {
        var document = JsonToBson.Document(Parse("""{"a":[1,"x",null,true,{"b":2.5}],"$date":"kept"}"""));

        Assert.That(document, Is.EqualTo(new BsonDocument
        {
            { "a", new BsonArray { 1, "x", BsonNull.Value, true, new BsonDocument("b", 2.5) } },
            { "$date", "kept" },
        }));
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
