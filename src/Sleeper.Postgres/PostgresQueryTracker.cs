using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;
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
        try
        {
            await database.RetryOnDeadConnectionAsync(async () =>
            {
                await using var command = Command($"INSERT INTO {_table} (query_id, body) VALUES ($1, $2)",
                    [queryEvent.QueryId, JsonSerializer.Serialize(queryEvent, Options)]);
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }, repeatable: false).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw database.Failure($"Recording event {queryEvent.Kind} of query {queryEvent.QueryId}", e);
        }
    }

    public async Task<IReadOnlyList<QueryEvent>> ReadEventsAsync(string? queryId = null, CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var what = queryId is null ? "Reading the query events" : $"Reading the events of query {queryId}";
        List<string> bodies;
        try
        {
            bodies = await database.RetryOnDeadConnectionAsync(async () =>
            {
                var read = new List<string>();
                await using var command = queryId is null
                    ? Command($"SELECT body FROM {_table} ORDER BY seq", [])
                    : Command($"SELECT body FROM {_table} WHERE query_id = $1 ORDER BY seq", [queryId]);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    read.Add(reader.GetString(0));
                }
                return read;
            }, repeatable: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw database.Failure(what, e);
        }
        var events = new List<QueryEvent>(bodies.Count);
        foreach (var body in bodies)
        {
            try
            {
                events.Add(JsonSerializer.Deserialize<QueryEvent>(body, Options) ?? throw new JsonException("the row holds null"));
            }
            catch (JsonException e)
            {
                throw new PostgresStoreException($"{what} in {database.Location} found a row that is not a query event: {e.Message}", e);
            }
        }
        return events;
    }

    private NpgsqlCommand Command(string sql, string[] parameters)
    {
        var command = database.DataSource.CreateCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = NpgsqlDbType.Text });
        }
        return command;
    }
}
