using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FeedbackRedis.Configuration;

/// <summary>
/// Checks <see cref="RedisOptions"/> at start-up: the start-up check modes from <see cref="FeedbackSettings"/>, and a
/// connection string StackExchange.Redis can read that names at least one endpoint. The connection string is never
/// quoted (it may hold a password).
/// </summary>
public sealed class RedisOptionsValidator : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var check = new OptionChecks(RedisOptions.Section);
        check.Table(options);
        if (Explain(options.ConnectionString) is { } problem)
        {
            check.Refuse(nameof(options.ConnectionString), $"{problem}; allowed: a StackExchange.Redis connection string, host:port[,option=value...]");
        }

        return check.Result();
    }

    /// <summary>Why <paramref name="connectionString"/> cannot be used, without repeating it, or null when it can.</summary>
    private static string? Explain(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return "is empty";
        }

        ConfigurationOptions parsed;
        try
        {
            parsed = ConfigurationOptions.Parse(connectionString);
        }
        catch (ArgumentException ex)
        {
            // SE.Redis names the option that is wrong ("Keyword 'foo' is not supported"), never the password.
            return $"cannot be read ({ex.Message.Split(" (Parameter", 2)[0].TrimEnd('.')})";
        }

        return parsed.EndPoints.Count == 0 ? "names no host:port" : null;
    }
}
