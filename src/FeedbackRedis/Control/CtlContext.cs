using System.CommandLine;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Serialization;
using FeedbackRedis.Batching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FeedbackRedis.Control;

/// <summary>Makes the per-invocation context: the store, the writers and the output format.</summary>
internal sealed class CtlContextFactory(CtlConnection connection, TextWriter output, TextWriter error)
{
    /// <summary>The store's metrics are recorded in every process; feedbackctl exports none.</summary>
    private static readonly IMeterFactory Meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    public CtlContext Open(ParseResult parse)
    {
        var (redis, batching) = connection.Resolve(parse);
        var config = ConfigurationOptions.Parse(redis.ConnectionString);
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = Math.Min(config.ConnectTimeout, 5_000);
        config.ClientName ??= "feedbackctl";
        var multiplexer = ConnectionMultiplexer.Connect(config);
        var store = new RedisBatchStore(multiplexer, Options.Create(batching), TimeProvider.System, new StoreMetrics(Meters));
        return new CtlContext(multiplexer, store, output, error, parse.GetValue(connection.Json));
    }

    public TextWriter Output => output;

    public TextWriter Error => error;
}

/// <summary>One invocation: a store over its own connection, and how to print.</summary>
internal sealed class CtlContext(IConnectionMultiplexer redis, RedisBatchStore store, TextWriter output, TextWriter error, bool json)
    : IDisposable
{
    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public RedisBatchStore Store => store;

    public TextWriter Output => output;

    public TextWriter Error => error;

    public bool Json => json;

    /// <summary>Writes <paramref name="value"/> as JSON when --json, else runs <paramref name="human"/>.</summary>
    public async Task WriteAsync<T>(T value, Func<TextWriter, Task> human)
    {
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(value, JsonOptions));
        }
        else
        {
            await human(output);
        }
    }

    public static string Age(TimeSpan age) => age.TotalSeconds < 120 ? $"{age.TotalSeconds:0}s"
        : age.TotalMinutes < 120 ? $"{age.TotalMinutes:0}m"
        : $"{age.TotalHours:0.#}h";

    public void Dispose() => redis.Dispose();
}
