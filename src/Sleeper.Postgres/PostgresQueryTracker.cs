using System.Text.Json;
using System.Text.Json.Serialization;
using Sleeper.Core.Tracking;

namespace Sleeper.Postgres;

/// <summary>
/// The query tracker as a PostgreSQL table of the instance's schema, <c>query_tracker_events</c>: one row per event,
/// holding the event as JSON (the same form as the embedded tracker's lines), with the query id in a column of its
/// own so that one query's events are read alone. Rows are read back in insertion order (an identity column).
/// </summary>
public sealed class PostgresQueryTracker(PostgresDatabase database) : IQueryTracker
{
    private const string TableName = "query_tracker_events";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly string _table = database.Table(TableName);

    /// <summary>Creates the tracker's table if it does not exist (done on first use anyway).</summary>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        database.EnsureCreatedAsync(TableName, $"""
            CREATE TABLE IF NOT EXISTS {_table} (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                query_id text NOT NULL,
                body text NOT NULL);
            CREATE INDEX IF NOT EXISTS "{TableName}_by_query" ON {_table} (query_id, seq);
            """, cancellationToken);

    public async Task RecordAsync(QueryEvent queryEvent, CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await database.ExecuteAsync($"Recording event {queryEvent.Kind} of query {queryEvent.QueryId}",
            $"INSERT INTO {_table} (query_id, body) VALUES ($1, $2)", [queryEvent.QueryId, JsonSerializer.Serialize(queryEvent, Options)],
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<QueryEvent>> ReadEventsAsync(string? queryId = null, CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        return queryId is null
            ? await database.ReadJsonAsync<QueryEvent>("Reading the query events", $"SELECT body FROM {_table} ORDER BY seq", [], Options, cancellationToken).ConfigureAwait(false)
            : await database.ReadJsonAsync<QueryEvent>($"Reading the events of query {queryId}", $"SELECT body FROM {_table} WHERE query_id = $1 ORDER BY seq",
                [queryId], Options, cancellationToken).ConfigureAwait(false);
    }
}
