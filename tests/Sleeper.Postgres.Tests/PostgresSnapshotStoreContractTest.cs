using Sleeper.Core.StateStore;
using Sleeper.TestSupport;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.Postgres.Tests;

/// <summary>Snapshot bodies in an object store, indexed in PostgreSQL, pass the snapshot store contract.</summary>
public sealed class PostgresSnapshotStoreContractTest : SnapshotStoreContract, IAsyncLifetime
{
    private readonly TestSchema _schema = new();
    private readonly InMemoryObjectStore _objects = new();

    protected override ITransactionLogSnapshotStore Open(string tableId = "table-1") =>
        new PostgresSnapshotStore(_schema.Database, tableId, _objects, $"{tableId}/statestore/snapshots/");

    [Fact]
    public async Task A_snapshot_whose_body_went_after_it_was_found_loads_as_none()
    {
        await Open().SaveSnapshotAsync(new TransactionLogSnapshot(4, DateTimeOffset.UnixEpoch, "{}"));
        await foreach (var stored in _objects.ListAsync("table-1/"))
        {
            await _objects.DeleteAsync(stored.Name);
        }

        Assert.Equal(4, (await Open().GetLatestSnapshotInfoAsync())!.TransactionNumber);
        Assert.Null(await Open().LoadSnapshotAsync(4));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}
