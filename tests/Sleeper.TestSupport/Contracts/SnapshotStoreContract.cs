using Sleeper.Core.StateStore;
using Xunit;

namespace Sleeper.TestSupport.Contracts;

/// <summary>
/// What every <see cref="ITransactionLogSnapshotStore"/> backend must do, run against each by a small subclass: the
/// newest snapshot is found, snapshots are listed in order, loaded and deleted by number, two copies of one number
/// count once, and each table's snapshots are its own; what one store object does, another over the same place sees.
/// </summary>
public abstract class SnapshotStoreContract
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 4, 5, 6, 7, 891, TimeSpan.Zero);

    /// <summary>The snapshots of a table of the backend; two calls reach the same snapshots through new objects, as another process would.</summary>
    protected abstract ITransactionLogSnapshotStore Open(string tableId = "table-1");

    [Fact]
    public async Task A_table_without_snapshots_has_none()
    {
        Assert.Null(await Open().GetLatestSnapshotInfoAsync());
        Assert.Empty(await Open().ListSnapshotsAsync());
        Assert.Null(await Open().LoadSnapshotAsync(3));
    }

    [Fact]
    public async Task Snapshots_are_found_listed_loaded_and_deleted_by_number()
    {
        await Open().SaveSnapshotAsync(new TransactionLogSnapshot(5, T0, "{\"a\":5}"));
        await Open().SaveSnapshotAsync(new TransactionLogSnapshot(12, T0.AddMinutes(1), "{\"a\":12}"));

        var fresh = Open();
        Assert.Equal(new TransactionLogSnapshotInfo(12, T0.AddMinutes(1)), await fresh.GetLatestSnapshotInfoAsync());
        Assert.Equal([new TransactionLogSnapshotInfo(5, T0), new TransactionLogSnapshotInfo(12, T0.AddMinutes(1))], await fresh.ListSnapshotsAsync());
        Assert.Equal(new TransactionLogSnapshot(5, T0, "{\"a\":5}"), await fresh.LoadSnapshotAsync(5));

        await fresh.DeleteSnapshotAsync(12);

        Assert.Equal(new TransactionLogSnapshotInfo(5, T0), await Open().GetLatestSnapshotInfoAsync());
        Assert.Null(await Open().LoadSnapshotAsync(12));
        Assert.Equal([new TransactionLogSnapshotInfo(5, T0)], await Open().ListSnapshotsAsync());
    }

    [Fact]
    public async Task Two_copies_of_one_number_count_once_and_both_go_with_it()
    {
        await Open().SaveSnapshotAsync(new TransactionLogSnapshot(7, T0, "{\"a\":7}"));
        await Open().SaveSnapshotAsync(new TransactionLogSnapshot(7, T0.AddSeconds(3), "{\"a\":7}"));

        Assert.Single(await Open().ListSnapshotsAsync());
        Assert.Equal("{\"a\":7}", (await Open().LoadSnapshotAsync(7))!.Body);
        await Open().DeleteSnapshotAsync(7);
        Assert.Null(await Open().GetLatestSnapshotInfoAsync());
        Assert.Null(await Open().LoadSnapshotAsync(7));
    }

    [Fact]
    public async Task Each_table_s_snapshots_are_its_own()
    {
        await Open("table-2").SaveSnapshotAsync(new TransactionLogSnapshot(9, T0, "{}"));

        Assert.Null(await Open().GetLatestSnapshotInfoAsync());
        Assert.Equal(9, (await Open("table-2").GetLatestSnapshotInfoAsync())!.TransactionNumber);
        await Open().DeleteSnapshotAsync(9);
        Assert.NotNull(await Open("table-2").LoadSnapshotAsync(9));
    }
}
