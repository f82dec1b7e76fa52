using Sleeper.Core.StateStore;
using Sleeper.Core.Storage;

namespace Sleeper.StateStore.Tests;

public sealed class ObjectStoreSnapshotStoreTest
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 4, 5, 6, 7, 891, TimeSpan.Zero);
    private readonly InMemoryObjectStore _objects = new();

    private ObjectStoreSnapshotStore Open(string prefix = "table-1/statestore/snapshots/") => new(_objects, prefix);

    [Fact]
    public async Task Snapshots_are_objects_under_the_prefix_and_go_with_their_number()
    {
        await Open().SaveSnapshotAsync(new TransactionLogSnapshot(5, T0, "{\"a\":5}"));
        await Open().SaveSnapshotAsync(new TransactionLogSnapshot(12, T0.AddMinutes(1), "{\"a\":12}"));

        Assert.All(await ListAsync(""), o => Assert.StartsWith("table-1/statestore/snapshots/snapshot-", o.Name, StringComparison.Ordinal));
        await Open().DeleteSnapshotAsync(12);
        Assert.Single(await ListAsync(""));
    }

    [Fact]
    public async Task Another_table_s_snapshots_and_foreign_objects_under_the_prefix_are_not_snapshots()
    {
        await Open("table-2/statestore/snapshots/").SaveSnapshotAsync(new TransactionLogSnapshot(7, T0, "{}"));
        await _objects.WriteAllBytesAsync("table-1/statestore/snapshots/notes.json", "{}"u8.ToArray());
        await _objects.WriteAllBytesAsync("table-1/statestore/snapshots/snapshot-x.json", "{}"u8.ToArray());
        await _objects.WriteAllBytesAsync("table-1/statestore/snapshots/old/snapshot-0000000000000000001-0.json", "{}"u8.ToArray());

        Assert.Null(await Open().GetLatestSnapshotInfoAsync());
        Assert.Empty(await Open().ListSnapshotsAsync());
        Assert.Equal(7, (await Open("table-2/statestore/snapshots/").GetLatestSnapshotInfoAsync())!.TransactionNumber);
    }

    [Fact]
    public void A_prefix_must_end_with_a_slash()
    {
        Assert.Throws<ArgumentException>(() => Open("table-1/statestore/snapshots"));
    }

    private async Task<List<StoredObject>> ListAsync(string prefix)
    {
        var list = new List<StoredObject>();
        await foreach (var o in _objects.ListAsync(prefix))
        {
            list.Add(o);
        }
        return list;
    }
}
