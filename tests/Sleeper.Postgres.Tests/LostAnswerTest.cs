using Npgsql;
using Sleeper.Core.StateStore;

namespace Sleeper.Postgres.Tests;

/// <summary>
/// Appends whose answer is lost: the adapter must neither report them as someone else's transaction nor as
/// nothing written while they could still land, so that the state store's read-back settles them truly.
/// </summary>
public sealed class LostAnswerTest : IAsyncLifetime
{
    private readonly TestSchema _direct = new();
    private CuttableProxy _proxy = null!;
    private PostgresDatabase _viaProxy = null!;

    public async Task InitializeAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(_direct.ConnectionString);
        _proxy = new CuttableProxy(builder.Host!, builder.Port);
        builder.Host = "127.0.0.1";
        builder.Port = _proxy.Port;
        builder.Timeout = 3;
        _viaProxy = new PostgresDatabase(builder.ConnectionString, _direct.Name);
        await new PostgresTransactionLogStore(_direct.Database, "t").EnsureCreatedAsync();
    }

    public async Task DisposeAsync()
    {
        await _viaProxy.DisposeAsync();
        await _proxy.DisposeAsync();
        await _direct.DisposeAsync();
    }

    private static TransactionLogEntry Entry(string id) => new(1, DateTimeOffset.UnixEpoch, "AddFiles", "{}", id);

    /// <summary>Holds the key of transaction 1 in an open transaction, so an INSERT of it waits on the unique index.</summary>
    private async Task<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)> BlockNumberOneAsync()
    {
        var connection = await _direct.Database.DataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(
            $"INSERT INTO \"{_direct.Name}\".transaction_log VALUES ('t', 1, 'AddFiles', 'blocker', now(), '{{}}')", connection, transaction);
        await command.ExecuteNonQueryAsync();
        return (connection, transaction);
    }

    private static async Task<List<TransactionLogEntry>> ReadAsync(ITransactionLogStore log)
    {
        var read = new List<TransactionLogEntry>();
        await foreach (var e in log.ReadTransactionsAfterAsync(0))
        {
            read.Add(e);
        }
        return read;
    }

    [Fact]
    public async Task An_append_cut_off_while_it_waits_is_fenced_so_it_cannot_land_after_the_log_is_read_back()
    {
        var (blocker, blockerTransaction) = await BlockNumberOneAsync();
        var log = new PostgresTransactionLogStore(_viaProxy, "t");
        var appending = log.AddTransactionAsync(Entry("ours"));
        await Task.Delay(500);
        Assert.False(appending.IsCompleted);

        _proxy.Cut(refuseNew: false);
        var e = await Assert.ThrowsAnyAsync<Exception>(() => appending);

        Assert.IsNotType<DuplicateTransactionNumberException>(e);
        // The blocker gives way: an append that was not fenced would now go in, after the caller was told it failed.
        await blockerTransaction.RollbackAsync();
        await blocker.DisposeAsync();
        await Task.Delay(500);
        Assert.Empty(await ReadAsync(new PostgresTransactionLogStore(_direct.Database, "t")));
        Assert.Empty(await ReadAsync(log));
    }

    [Fact]
    public async Task While_a_cut_off_append_cannot_be_fenced_reads_fail_rather_than_report_it_missing()
    {
        var (blocker, blockerTransaction) = await BlockNumberOneAsync();
        var log = new PostgresTransactionLogStore(_viaProxy, "t");
        var appending = log.AddTransactionAsync(Entry("ours"));
        await Task.Delay(500);

        _proxy.Cut(refuseNew: true);
        await Assert.ThrowsAnyAsync<Exception>(() => appending);

        await Assert.ThrowsAsync<PostgresStoreException>(() => ReadAsync(log));
        _proxy.Restore();
        Assert.Empty(await ReadAsync(log));
        await blockerTransaction.RollbackAsync();
        await blocker.DisposeAsync();
        await Task.Delay(300);
        Assert.Empty(await ReadAsync(log));
    }

    [Fact]
    public async Task A_state_store_whose_append_answer_is_lost_settles_it_by_reading_back_and_commits_once()
    {
        var (blocker, blockerTransaction) = await BlockNumberOneAsync();
        var store = new TransactionLogStateStore(TestTables.Schema, new PostgresTransactionLogStore(_viaProxy, "t"), new InMemorySnapshotStore());
        var committing = store.InitialiseAsync(Sleeper.Core.Partitions.PartitionsBuilder.SingleRoot(TestTables.Schema));
        await Task.Delay(500);

        _proxy.Cut(refuseNew: false);
        await Task.Delay(300);
        await blockerTransaction.RollbackAsync();
        await blocker.DisposeAsync();
        await committing;

        var entries = await ReadAsync(new PostgresTransactionLogStore(_direct.Database, "t"));
        Assert.Equal("InitialisePartitions", Assert.Single(entries).TransactionType);
        Assert.Equal(1, store.LastTransactionNumber);
    }
}
