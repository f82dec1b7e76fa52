using Sleeper.Core.Properties;

namespace Sleeper.Server;

/// <summary>
/// What one request may ask of the server: past any of these the caller gets a 4xx naming the limit, never a
/// crash or an unbounded buffer. Read from the instance's <see cref="ServerProperty"/> properties unless
/// <see cref="ServerOptions.Limits"/> gives them.
/// </summary>
public sealed record ServerLimits
{
    public long MaxRequestBodyBytes { get; init; } = 64L << 20;
    public int MaxRowsPerWrite { get; init; } = 100_000;
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromMinutes(5);
    public int MaxConcurrentQueries { get; init; } = 32;
    public int WebSocketBatchRows { get; init; } = 1000;

    /// <summary>Local folders whose files callers may name for ingest; empty: only s3:// paths.</summary>
    public IReadOnlyList<string> IngestLocalFolders { get; init; } = [];

    public TimeSpan TablePropertiesCacheTime { get; init; } = TimeSpan.FromMinutes(1);

    public static ServerLimits FromProperties(SleeperProperties properties) => new()
    {
        MaxRequestBodyBytes = properties.GetBytes(ServerProperty.RequestBodyMaxBytes),
        MaxRowsPerWrite = properties.GetInt(ServerProperty.WriteRowsMax),
        QueryTimeout = TimeSpan.FromSeconds(properties.GetInt(ServerProperty.QueryTimeoutSeconds)),
        MaxConcurrentQueries = properties.GetInt(ServerProperty.QueryConcurrentMax),
        WebSocketBatchRows = properties.GetInt(ServerProperty.WebSocketBatchRows),
        IngestLocalFolders = (properties.Get(ServerProperty.IngestLocalFolders) ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Path.GetFullPath).ToList(),
        TablePropertiesCacheTime = TimeSpan.FromSeconds(properties.GetInt(ServerProperty.TableCacheSeconds)),
    };
}
