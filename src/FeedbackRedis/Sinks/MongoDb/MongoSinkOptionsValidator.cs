using FeedbackRedis.Configuration;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace FeedbackRedis.Sinks.MongoDb;

/// <summary>Checks <see cref="MongoSinkOptions"/> at start-up; each failure names the setting, the value and the range.</summary>
public sealed class MongoSinkOptionsValidator : IValidateOptions<MongoSinkOptions>
{
    public ValidateOptionsResult Validate(string? name, MongoSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var check = new OptionChecks(MongoSinkOptions.Section);
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
        check.Range(nameof(options.MaxRetryAttempts), options.MaxRetryAttempts, 0, 10);
        check.Range(nameof(options.AppliedBatchesKept), options.AppliedBatchesKept, 10, 100_000);
        check.Range(nameof(options.MaxReactionNames), options.MaxReactionNames, 1, 10_000);
        check.Range(nameof(options.ContributionRetentionDays), options.ContributionRetentionDays, 2, 3_650);
        check.Range(nameof(options.CompleteOwnersAfterMinutes), options.CompleteOwnersAfterMinutes, 5, 10_080);
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
