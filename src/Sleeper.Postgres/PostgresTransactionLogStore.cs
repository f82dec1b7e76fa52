using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;
using Sleeper.Core.StateStore;

namespace Sleeper.Postgres;

/// <summary>
/// A table's transaction log as rows of one PostgreSQL table shared by every Sleeper table of the instance, keyed
/// by (table id, transaction number). The primary key makes the INSERT the compare-and-swap: of committers
/// appending the same number, exactly one row goes in and the others get a unique violation.
/// </summary>
/// <remarks>
/// <para>
/// Each append is one INSERT in its own implicit transaction, so its outcome is whatever the server did with that
/// statement. When the server answers with an error, nothing was written. When no answer comes (the connection
/// broke, the command timed out or its cancellation could not be confirmed), the row may or may not be in, and
/// may even still be going in: the backend that runs the INSERT can outlive the client's socket. The exception
/// is passed on unchanged, for <see cref="TransactionLogStateStore"/> to settle by reading the log back for its
/// transaction id, and never turned into <see cref="DuplicateTransactionNumberException"/> (someone else's
/// transaction) or swallowed (nothing happened).
/// </para>
/// <para>
/// That read-back is only right once the lost INSERT can no longer land. So before passing the failure on, the
/// backend that ran it is <em>fenced</em>: terminated through a new connection and waited for, after which its
/// transaction has either committed or rolled back for good. The backend is recognised by its process id and a
/// one-off marker in the statement's text (a process id can be reused). When fencing fails (the server is
/// unreachable), the backend is remembered and every later read of this object tries again first and throws
/// while it cannot, so the state store reports the outcome as unknown rather than "not written".
/// </para>
/// </remarks>
public sealed class PostgresTransactionLogStore : ITransactionLogStore
{
    /// <summary>The table of the instance's schema that holds every table's log.</summary>
    public const string TableName = "transaction_log";

    /// <summary>Rows per query when reading: bounds memory and the time a connection is held, however long the log.</summary>
    private const int PageSize = 1000;

    private static readonly TimeSpan FenceTimeout = TimeSpan.FromSeconds(10);

    private readonly PostgresDatabase _db;
    private readonly string _table;
    private readonly ConcurrentDictionary<(int Pid, string Marker), byte> _unfenced = new();

    /// <param name="database">The instance's schema in PostgreSQL.</param>
    /// <param name="tableId">The Sleeper table whose log this is.</param>
    public PostgresTransactionLogStore(PostgresDatabase database, string tableId)
    {
        ArgumentException.ThrowIfNullOrEmpty(tableId);
        _db = database;
        TableId = tableId;
        _table = database.Table(TableName);
    }

    public string TableId { get; }

    /// <summary>Creates the log's table if it does not exist (done on first use anyway).</summary>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        _db.EnsureCreatedAsync(TableName, $"""
            CREATE TABLE IF NOT EXISTS {_table} (
                table_id text NOT NULL,
                transaction_number bigint NOT NULL,
                transaction_type text NOT NULL,
                transaction_id text NULL,
                update_time timestamptz NOT NULL,
                body text NOT NULL,
                PRIMARY KEY (table_id, transaction_number));
            """, cancellationToken);

    public async Task AddTransactionAsync(TransactionLogEntry entry, CancellationToken cancellationToken = default)
    {
        if (entry.TransactionNumber < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(entry), $"Transaction numbers start at 1; got {entry.TransactionNumber}.");
        }
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        NpgsqlConnection connection;
        try
        {
            connection = await _db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            // Nothing was sent: certainly not written.
            throw _db.Failure($"Connecting to append transaction {entry.TransactionNumber} of table {TableId}", e);
        }
        await using (connection.ConfigureAwait(false))
        {
            var pid = connection.ProcessID;
            var marker = Guid.NewGuid().ToString("N");
            // The marker lets a fence tell this statement's backend from a later one that reuses its process id.
            await using var command = new NpgsqlCommand(
                $"/* append {marker} */ INSERT INTO {_table} (table_id, transaction_number, transaction_type, transaction_id, update_time, body) VALUES ($1, $2, $3, $4, $5, $6)",
                connection);
            command.Parameters.Add(new NpgsqlParameter { Value = TableId, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = entry.TransactionNumber, NpgsqlDbType = NpgsqlDbType.Bigint });
            command.Parameters.Add(new NpgsqlParameter { Value = entry.TransactionType, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)entry.TransactionId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = entry.UpdateTime.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = entry.Body, NpgsqlDbType = NpgsqlDbType.Text });
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw new DuplicateTransactionNumberException(entry.TransactionNumber);
            }
            catch (Exception e) when (IsAnsweredFailure(e))
            {
                // The server reported an error for the statement: it rolled back, nothing was written.
                throw _db.Failure($"Appending transaction {entry.TransactionNumber} of table {TableId}", e);
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or OperationCanceledException)
            {
                // No answer: the INSERT may have gone in, or may still. Fence its backend, then let the state store read back.
                _unfenced[(pid, marker)] = 0;
                await TryFenceAsync().ConfigureAwait(false);
                if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                throw _db.Failure($"Appending transaction {entry.TransactionNumber} of table {TableId} got no answer, so whether it was written is not known until the log is read", e);
            }
        }
    }

    public async IAsyncEnumerable<TransactionLogEntry> ReadTransactionsAfterAsync(long afterTransactionNumber, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        if (!await TryFenceAsync().ConfigureAwait(false))
        {
            throw new PostgresStoreException($"Reading the transaction log of table {TableId} in {_db.Location} is not safe yet: an append whose answer was lost may still land, and its connection's server process could not be stopped.");
        }
        var after = afterTransactionNumber;
        while (true)
        {
            var page = await ReadPageAsync(after, cancellationToken).ConfigureAwait(false);
            foreach (var entry in page)
            {
                yield return entry;
            }
            if (page.Count < PageSize)
            {
                yield break;
            }
            after = page[^1].TransactionNumber;
        }
    }

    /// <remarks>
    /// One statement: the highest number at or above the reader's. Deletion takes the oldest first (everything at
    /// or before a number), so while the reader's own transaction is still there, nothing after it was deleted
    /// unseen, and a highest number equal to it means nothing came after. Null (a full update) when the reader's
    /// transaction has gone, while an append of this process whose answer was lost may still land, or when the
    /// server does not answer: the full update reports that properly.
    /// </remarks>
    public async ValueTask<bool?> HasTransactionsAfterAsync(long transactionNumber, CancellationToken cancellationToken = default)
    {
        if (transactionNumber <= 0 || !_unfenced.IsEmpty)
        {
            return null;
        }
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var highest = await _db.RetryOnDeadConnectionAsync(async () =>
            {
                await using var command = _db.DataSource.CreateCommand(
                    $"SELECT max(transaction_number) FROM {_table} WHERE table_id = $1 AND transaction_number >= $2");
                command.Parameters.Add(new NpgsqlParameter { Value = TableId });
                command.Parameters.Add(new NpgsqlParameter { Value = transactionNumber });
                return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }, repeatable: true).ConfigureAwait(false);
            return highest is long number ? number > transactionNumber : null;
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            return null;
        }
    }

    public async Task DeleteTransactionsAtOrBeforeAsync(long transactionNumber, CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Deleting up to a number twice is no different from once.
            await _db.RetryOnDeadConnectionAsync(async () =>
            {
                await using var command = _db.DataSource.CreateCommand($"DELETE FROM {_table} WHERE table_id = $1 AND transaction_number <= $2");
                command.Parameters.Add(new NpgsqlParameter { Value = TableId });
                command.Parameters.Add(new NpgsqlParameter { Value = transactionNumber });
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }, repeatable: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw _db.Failure($"Deleting transactions up to {transactionNumber} of table {TableId}", e);
        }
    }

    private async Task<List<TransactionLogEntry>> ReadPageAsync(long after, CancellationToken cancellationToken)
    {
        try
        {
            return await _db.RetryOnDeadConnectionAsync(() => ReadPageOnceAsync(after, cancellationToken), repeatable: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw _db.Failure($"Reading the transaction log of table {TableId} after transaction {after}", e);
        }
    }


    private async Task<List<TransactionLogEntry>> ReadPageOnceAsync(long after, CancellationToken cancellationToken)
    {
        await using var command = _db.DataSource.CreateCommand(
            $"SELECT transaction_number, update_time, transaction_type, body, transaction_id FROM {_table} WHERE table_id = $1 AND transaction_number > $2 ORDER BY transaction_number LIMIT {PageSize}");
        command.Parameters.Add(new NpgsqlParameter { Value = TableId });
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var page = new List<TransactionLogEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add(new TransactionLogEntry(
                reader.GetInt64(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return page;
    }

    /// <summary>Whether the server answered with an error, so the statement's transaction certainly rolled back.</summary>
    private static bool IsAnsweredFailure(Exception e) =>
        e is PostgresException || (e is OperationCanceledException { InnerException: PostgresException });

    /// <summary>
    /// Stops the server processes of appends whose answers were lost, and waits for them to end; true when none
    /// is left that could still write.
    /// </summary>
    private async Task<bool> TryFenceAsync()
    {
        if (_unfenced.IsEmpty)
        {
            return true;
        }
        foreach (var key in _unfenced.Keys)
        {
            // A backend that ends between finding it and terminating it reads as not stopped: look again.
            for (var attempt = 0; attempt < 3 && _unfenced.ContainsKey(key); attempt++)
            {
                try
                {
                    // Not cancellable: the caller must learn what became of its append. Bounded by the fence timeout.
                    using var timeout = new CancellationTokenSource(FenceTimeout);
                    // MATERIALIZED, so the terminate runs only on the row found: as a plain qual, the planner may
                    // evaluate it before the filters, on every backend of the server.
                    await using var command = _db.DataSource.CreateCommand("""
                        WITH ours AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE pid = $1 AND strpos(query, $2) > 0)
                        SELECT count(*) FROM ours WHERE NOT pg_terminate_backend(ours.pid, $3)
                        """);
                    command.Parameters.Add(new NpgsqlParameter { Value = key.Pid });
                    command.Parameters.Add(new NpgsqlParameter { Value = "/* append " + key.Marker + " */" });
                    command.Parameters.Add(new NpgsqlParameter { Value = (long)FenceTimeout.TotalMilliseconds / 2 });
                    var notStopped = (long)(await command.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false))!;
                    if (notStopped == 0)
                    {
                        _unfenced.TryRemove(key, out _);
                    }
                }
                catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or OperationCanceledException)
                {
                    // Still unfenced; reads refuse until a later try succeeds.
                    break;
                }
            }
        }
        return _unfenced.IsEmpty;
    }
}
