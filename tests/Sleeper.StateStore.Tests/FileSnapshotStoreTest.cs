using Sleeper.Core.StateStore;

namespace Sleeper.StateStore.Tests;

public sealed class FileSnapshotStoreTest : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 4, 5, 6, 7, 891, TimeSpan.Zero);
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task An_empty_folder_has_no_snapshots()
    {
        var store = new FileSnapshotStore(_dir.Path);

        Assert.Null(await store.GetLatestSnapshotInfoAsync());
        Assert.Empty(await store.ListSnapshotsAsync());
        Assert.Null(await store.LoadSnapshotAsync(1));
    }

    [Fact]
    public async Task Saved_snapshots_are_listed_loaded_and_deleted_by_number()
    {
        var store = new FileSnapshotStore(_dir.Path);
        await store.SaveSnapshotAsync(new TransactionLogSnapshot(5, T0, "{\"a\":5}"));
        await store.SaveSnapshotAsync(new TransactionLogSnapshot(12, T0.AddMinutes(1), "{\"a\":12}"));

        var fresh = new FileSnapshotStore(_dir.Path);
        Assert.Equal(new TransactionLogSnapshotInfo(12, T0.AddMinutes(1)), await fresh.GetLatestSnapshotInfoAsync());
        Assert.Equal([new TransactionLogSnapshotInfo(5, T0), new TransactionLogSnapshotInfo(12, T0.AddMinutes(1))], await fresh.ListSnapshotsAsync());
        Assert.Equal(new TransactionLogSnapshot(5, T0, "{\"a\":5}"), await fresh.LoadSnapshotAsync(5));

        await fresh.DeleteSnapshotAsync(12);

        Assert.Equal(new TransactionLogSnapshotInfo(5, T0), await store.GetLatestSnapshotInfoAsync());
        Assert.Null(await store.LoadSnapshotAsync(12));
        Assert.Single(Directory.GetFiles(_dir.Path));
    }
}
