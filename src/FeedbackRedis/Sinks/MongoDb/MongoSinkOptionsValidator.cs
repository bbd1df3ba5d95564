using FeedbackRedis.Configuration;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>
/// Checks <see cref="MongoSinkOptions"/> at start-up: ranges from <see cref="FeedbackSettings"/>, the connection string,
/// names, write concern and the completion delay within the retention. Each failure names the setting, the value and
/// what is allowed.
/// </summary>
public sealed class MongoSinkOptionsValidator : IValidateOptions<MongoSinkOptions>
{
    public ValidateOptionsResult Validate(string? name, MongoSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var check = new OptionChecks(MongoSinkOptions.Section);
        check.Table(options);
        check.Require(nameof(options.Uri), "(not shown)", IsMongoUrl(options.Uri), "a mongodb:// or mongodb+srv:// connection string");
        check.Require(nameof(options.Database), options.Database, IsName(options.Database, 63, "/\\. \"$"), "1 to 63 characters without / \\ . space \" $");
        foreach (var (property, value) in new[]
        {
            (nameof(options.EventsCollection), options.EventsCollection),
            (nameof(options.AgentsCollection), options.AgentsCollection),
            (nameof(options.BatchesCollection), options.BatchesCollection),
            (nameof(options.ContributionsCollection), options.ContributionsCollection),
        })
        {
            check.Require(property, value, IsName(value, 120, "$") && !value.StartsWith("system.", StringComparison.Ordinal), "1 to 120 characters without $, not system.*");
        }

        check.Require(nameof(options.WriteConcern), options.WriteConcern, MongoWriteConcerns.TryParse(options.WriteConcern, out _), "majority or 1 to 50");
        check.Require(
            nameof(options.CompleteOwnersAfterMinutes),
            options.CompleteOwnersAfterMinutes,
            TimeSpan.FromMinutes(options.CompleteOwnersAfterMinutes) < MongoRetention.Horizon(options),
            $"less than {nameof(options.ContributionRetentionDays)} minus one day ({MongoRetention.Horizon(options).TotalMinutes:N0} minutes)");
        return check.Result();
    }

    private static bool IsName(string? value, int maxLength, string forbidden) =>
        !string.IsNullOrEmpty(value) && value.Length <= maxLength && value.IndexOfAny([.. forbidden, '\0']) < 0;

    private static bool IsMongoUrl(string? uri)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            return false;
        }

        try
        {
            _ = MongoUrl.Create(uri);
            return true;
        }
        catch (Exception ex) when (ex is MongoConfigurationException or ArgumentException or FormatException)
        {
            return false;
        }
    }
}
