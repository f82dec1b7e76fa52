using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Sleeper.Core.StateStore;
using Sleeper.Core.Storage;

namespace Sleeper.Postgres;

/// <summary>
/// A table's snapshots with their bodies in the object store and their index in PostgreSQL, beside the table's
/// transaction log. The state store asks for the newest snapshot several times per commit and per update (see
/// <c>TransactionLogStateStore.UpdateLockedAsync</c>); on S3 each of those questions would be a LIST request, the
/// slowest and a billed one, which held an instance on services to about a hundred commits a second. Here each is
/// one indexed query.
/// </summary>
/// <remarks>
/// A snapshot's body is written whole first and indexed after, so an indexed snapshot always has a body; it is
/// unindexed first and its body deleted after, so a reader that finds a row whose body is gone was overtaken by a
/// deletion and is told "no such snapshot", which the state store already handles (it asks again). A body whose
/// writer died before indexing it is never read; it is named like every snapshot body
/// (<c>snapshot-&lt;number&gt;-&lt;created unix ms&gt;.json</c> under the table's snapshot prefix).
/// </remarks>
public sealed class PostgresSnapshotStore : ITransactionLogSnapshotStore
{
    /// <summary>The table of the instance's schema that indexes every table's snapshots.</summary>
    public const string TableName = "snapshots";

    private readonly PostgresDatabase _db;
    private readonly string _table;
    private readonly string _tableId;
    private readonly IObjectStore _store;
    private readonly string _prefix;

    /// <param name="database">The instance's schema in PostgreSQL.</param>
    /// <param name="tableId">The Sleeper table whose snapshots these are.</param>
    /// <param name="store">Where the bodies live.</param>
    /// <param name="prefix">The prefix of the table's snapshot bodies, ending in '/' (<c>&lt;tableId&gt;/statestore/snapshots/</c>).</param>
    public PostgresSnapshotStore(PostgresDatabase database, string tableId, IObjectStore store, string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(tableId);
        if (!prefix.EndsWith('/'))
        {
            throw new ArgumentException($"A snapshot prefix ends with '/'; got '{prefix}'.", nameof(prefix));
        }
        _db = database;
        _table = database.Table(TableName);
        _tableId = tableId;
        _store = store;
        _prefix = prefix;
    }

    /// <summary>Creates the index's table if it does not exist (done on first use anyway).</summary>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        _db.EnsureCreatedAsync(TableName, $"""
            CREATE TABLE IF NOT EXISTS {_table} (
                table_id text NOT NULL,
                transaction_number bigint NOT NULL,
                created_millis bigint NOT NULL,
                object_name text NOT NULL,
                PRIMARY KEY (table_id, transaction_number, object_name));
            """, cancellationToken);

    public async Task<TransactionLogSnapshotInfo?> GetLatestSnapshotInfoAsync(CancellationToken cancellationToken = default)
    {
        var rows = await ReadAsync($"Finding the newest snapshot of table {_tableId}",
            $"SELECT transaction_number, created_millis, object_name FROM {_table} WHERE table_id = $1 ORDER BY transaction_number DESC, created_millis LIMIT 1",
            [], cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0].Info;
    }

    public async Task<TransactionLogSnapshot?> LoadSnapshotAsync(long transactionNumber, CancellationToken cancellationToken = default)
    {
        // Two processes may have written the same number at different times; both hold the same state.
        foreach (var (info, name) in await CopiesAsync(transactionNumber, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var body = await _store.ReadAllTextAsync(name, cancellationToken).ConfigureAwait(false);
                return new TransactionLogSnapshot(info.TransactionNumber, info.CreatedTime, body);
            }
            catch (ObjectNotFoundException)
            {
                // Deleted since it was found; try another copy, if any.
            }
        }
        return null;
    }

    public async Task SaveSnapshotAsync(TransactionLogSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        var millis = snapshot.CreatedTime.ToUnixTimeMilliseconds();
        var name = string.Create(CultureInfo.InvariantCulture, $"{_prefix}snapshot-{snapshot.TransactionNumber.ToString(CultureInfo.InvariantCulture).PadLeft(19, '0')}-{millis}.json");
        await _store.WriteAllBytesAsync(name, Encoding.UTF8.GetBytes(snapshot.Body), cancellationToken).ConfigureAwait(false);
        // Indexing twice does nothing the second time, so a statement whose connection broke may run again.
        await ExecuteAsync($"Indexing snapshot {snapshot.TransactionNumber} of table {_tableId}",
            $"INSERT INTO {_table} (table_id, transaction_number, created_millis, object_name) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            [snapshot.TransactionNumber, millis, name], cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<TransactionLogSnapshotInfo>> ListSnapshotsAsync(CancellationToken cancellationToken = default) =>
        (await ReadAsync($"Listing the snapshots of table {_tableId}",
            $"SELECT transaction_number, created_millis, object_name FROM {_table} WHERE table_id = $1 ORDER BY transaction_number, created_millis",
            [], cancellationToken).ConfigureAwait(false))
        .GroupBy(r => r.Info.TransactionNumber)
        .Select(g => g.First().Info)
        .ToList();

    public async Task DeleteSnapshotAsync(long transactionNumber, CancellationToken cancellationToken = default)
    {
        var copies = await CopiesAsync(transactionNumber, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync($"Unindexing snapshot {transactionNumber} of table {_tableId}",
            $"DELETE FROM {_table} WHERE table_id = $1 AND transaction_number = $2", [transactionNumber], cancellationToken).ConfigureAwait(false);
        foreach (var (_, name) in copies)
        {
            await _store.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
        }
    }

    private Task<List<(TransactionLogSnapshotInfo Info, string Name)>> CopiesAsync(long transactionNumber, CancellationToken cancellationToken) =>
        ReadAsync($"Finding snapshot {transactionNumber} of table {_tableId}",
            $"SELECT transaction_number, created_millis, object_name FROM {_table} WHERE table_id = $1 AND transaction_number = $2 ORDER BY created_millis",
            [transactionNumber], cancellationToken);

    private async Task ExecuteAsync(string what, string sql, object[] parameters, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _db.RetryOnDeadConnectionAsync(async () =>
            {
                await using var command = Command(sql, parameters);
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }, repeatable: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw _db.Failure(what, e);
        }
    }

    private async Task<List<(TransactionLogSnapshotInfo Info, string Name)>> ReadAsync(string what, string sql, object[] parameters, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _db.RetryOnDeadConnectionAsync(async () =>
            {
                var read = new List<(TransactionLogSnapshotInfo, string)>();
                await using var command = Command(sql, parameters);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    read.Add((new TransactionLogSnapshotInfo(reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))), reader.GetString(2)));
                }
                return read;
            }, repeatable: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw _db.Failure(what, e);
        }
    }

    /// <summary>The table id is always the first parameter; the rest follow as $2, $3, ….</summary>
    private NpgsqlCommand Command(string sql, object[] parameters)
    {
        var command = _db.DataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = _tableId, NpgsqlDbType = NpgsqlDbType.Text });
        foreach (var value in parameters)
        {
            command.Parameters.Add(value is long number
                ? new NpgsqlParameter { Value = number, NpgsqlDbType = NpgsqlDbType.Bigint }
                : new NpgsqlParameter { Value = (string)value, NpgsqlDbType = NpgsqlDbType.Text });
        }
        return command;
    }
}
