using Npgsql;
using NpgsqlTypes;
using Sleeper.Core;
using Sleeper.Core.Tables;

namespace Sleeper.Postgres;

/// <summary>
/// The instance's table index as one PostgreSQL table of the instance's schema, shared by every process of the
/// instance: a row per table with its id and name, each unique, and whether it is online.
/// </summary>
/// <remarks>
/// The unique constraints make the races safe: of two creators of one name, the second insert does nothing (and
/// answers false); a rename is one UPDATE, which either takes the new name or fails on its unique constraint and
/// changes nothing. Names are listed in byte order (<c>COLLATE "C"</c>), the ordinal order of the embedded index.
/// </remarks>
public sealed class PostgresTableIndex : ITableIndex
{
    /// <summary>The table of the instance's schema that holds the index.</summary>
    public const string TableName = "table_index";

    private readonly PostgresDatabase _db;
    private readonly string _table;

    public PostgresTableIndex(PostgresDatabase database)
    {
        _db = database;
        _table = database.Table(TableName);
    }

    /// <summary>Creates the index's table if it does not exist (done on first use anyway).</summary>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        _db.EnsureCreatedAsync(TableName, $"""
            CREATE TABLE IF NOT EXISTS {_table} (
                table_id text PRIMARY KEY,
                table_name text NOT NULL UNIQUE,
                online boolean NOT NULL);
            """, cancellationToken);

    public Task<IReadOnlyList<TableStatus>> ListAsync(CancellationToken cancellationToken = default) =>
        ReadAsync("Listing the tables", $"SELECT table_id, table_name, online FROM {_table} ORDER BY table_name COLLATE \"C\"", [], cancellationToken);

    public async Task<TableStatus?> GetByNameAsync(string name, CancellationToken cancellationToken = default)
    {
        TableNames.Validate(name);
        var found = await ReadAsync($"Reading table '{name}' from the table index",
            $"SELECT table_id, table_name, online FROM {_table} WHERE table_name = $1", [name], cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<TableStatus?> GetByIdAsync(string tableId, CancellationToken cancellationToken = default)
    {
        var found = await ReadAsync($"Reading the table with id '{tableId}' from the table index",
            $"SELECT table_id, table_name, online FROM {_table} WHERE table_id = $1", [tableId], cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<bool> TryCreateAsync(TableStatus status, CancellationToken cancellationToken = default)
    {
        TableNames.Validate(status.TableName);
        // Only a taken name is an answer; a taken id is a fault of the caller's id generation and fails.
        var rows = await ExecuteAsync($"Adding table '{status.TableName}' (id {status.TableId}) to the table index",
            $"INSERT INTO {_table} (table_id, table_name, online) VALUES ($1, $2, $3) ON CONFLICT (table_name) DO NOTHING",
            [status.TableId, status.TableName, status.Online], repeatable: false, cancellationToken).ConfigureAwait(false);
        return rows == 1;
    }

    public async Task<bool> TryRenameAsync(string name, string newName, CancellationToken cancellationToken = default)
    {
        TableNames.Validate(newName);
        TableNames.Validate(name);
        int rows;
        try
        {
            rows = await ExecuteAsync($"Renaming table '{name}' to '{newName}' in the table index",
                $"UPDATE {_table} SET table_name = $2 WHERE table_name = $1", [name, newName], repeatable: false, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresStoreException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return false;
        }
        return rows == 1 ? true : throw new TableNotFoundException(name);
    }

    public async Task SetOnlineAsync(string name, bool online, CancellationToken cancellationToken = default)
    {
        TableNames.Validate(name);
        // Setting a flag twice does no harm, so a statement whose connection broke may run again.
        var rows = await ExecuteAsync($"Marking table '{name}' {(online ? "online" : "offline")} in the table index",
            $"UPDATE {_table} SET online = $2 WHERE table_name = $1", [name, online], repeatable: true, cancellationToken).ConfigureAwait(false);
        if (rows == 0)
        {
            throw new TableNotFoundException(name);
        }
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        TableNames.Validate(name);
        var rows = await ExecuteAsync($"Removing table '{name}' from the table index",
            $"DELETE FROM {_table} WHERE table_name = $1", [name], repeatable: false, cancellationToken).ConfigureAwait(false);
        return rows > 0;
    }

    private async Task<int> ExecuteAsync(string what, string sql, object[] parameters, bool repeatable, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _db.RetryOnDeadConnectionAsync(async () =>
            {
                await using var command = Command(sql, parameters);
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }, repeatable).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw _db.Failure(what, e);
        }
    }

    private async Task<IReadOnlyList<TableStatus>> ReadAsync(string what, string sql, object[] parameters, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _db.RetryOnDeadConnectionAsync(async () =>
            {
                var read = new List<TableStatus>();
                await using var command = Command(sql, parameters);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    read.Add(new TableStatus(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2)));
                }
                return read;
            }, repeatable: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw _db.Failure(what, e);
        }
    }

    private NpgsqlCommand Command(string sql, object[] parameters)
    {
        var command = _db.DataSource.CreateCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(value is bool flag
                ? new NpgsqlParameter { Value = flag, NpgsqlDbType = NpgsqlDbType.Boolean }
                : new NpgsqlParameter { Value = (string)value, NpgsqlDbType = NpgsqlDbType.Text });
        }
        return command;
    }
}
