using System.Net;
using System.Reflection;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

/// <summary>The driver's own error types, built as the driver builds them from server replies (no server needed).</summary>
internal static class DriverErrors
{
    public static readonly ConnectionId Connection = new(new ServerId(new ClusterId(1), new DnsEndPoint("mongo", 27017)), 1);

    public static MongoCommandException Command(int code, string name) =>
        new(Connection, name, new BsonDocument("update", "x"), new BsonDocument { { "ok", 0 }, { "code", code }, { "codeName", name }, { "errmsg", name } });

    public static MongoBulkWriteException<BsonDocument> Bulk(params BulkWriteError[] errors) => Bulk(errors, null);

    public static MongoBulkWriteException<BsonDocument> Bulk(BulkWriteError[] errors, WriteConcernError? concern)
    {
        var result = new BulkWriteResult<BsonDocument>.Acknowledged(
            requestCount: 4, matchedCount: 0, deletedCount: 0, insertedCount: 0, modifiedCount: 0, upserts: [], processedRequests: []);
        return new MongoBulkWriteException<BsonDocument>(Connection, result, errors, concern, []);
    }

    /// <summary>The driver builds these from server replies; their constructors are internal, so reflection it is.</summary>
    public static BulkWriteError WriteError(int index, ServerErrorCategory category, int code, string message) =>
        (BulkWriteError)Activator.CreateInstance(
            typeof(BulkWriteError), BindingFlags.Instance | BindingFlags.NonPublic, null, [index, category, code, message, new BsonDocument()], null)!;

    public static WriteConcernError WriteConcernError(int code, string message)
    {
        var ctor = typeof(WriteConcernError).GetConstructors(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
            .OrderBy(c => c.GetParameters().Length).First();
        var args = ctor.GetParameters().Select(p => p.ParameterType switch
        {
            var t when t == typeof(int) => (object?)code,
            var t when t == typeof(string) && p.Name == "message" => message,
            var t when t == typeof(string) => "WriteConcernFailed",
            var t when t == typeof(BsonDocument) => new BsonDocument(),
            var t when t == typeof(IEnumerable<string>) => Array.Empty<string>(),
            _ => null,
        }).ToArray();
        return (WriteConcernError)ctor.Invoke(args);
    }
}
