using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using static Sleeper.StateStore.Tests.StateDescriptions;
using static Sleeper.StateStore.Tests.TestTables;

namespace Sleeper.StateStore.Tests;

public sealed class SnapshotTest : IDisposable
{
    private static readonly TransactionLogStateStoreOptions NoAutoSnapshots = new() { SnapshotEveryTransactions = 0, LoadSnapshotWhenBehindBy = 1000 };
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static async Task AddFilesAsync(TransactionLogStateStore store, string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await store.CommitAsync(new AddFilesTransaction([new FileReference($"{prefix}{i}", "root", i + 1)]));
        }
    }

    private string TransactionPath(long n) => _dir.Combine(EmbeddedStateStores.TransactionsFolder, $"{n:D19}.json");

    [Fact]
    public async Task A_fresh_store_loads_the_newest_snapshot_and_then_the_transactions_after_it()
    {
        var clock = NewClock();
        var writer = Open(_dir.Path, clock, NoAutoSnapshots);
        await writer.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        await AddFilesAsync(writer, "a", 9);
        Assert.Equal(10, await writer.CreateSnapshotAsync());
        await AddFilesAsync(writer, "b", 3);
        // With the transactions behind the snapshot gone, only the snapshot can explain the state.
        Assert.Equal(10, await writer.DeleteOldTransactionsAsync(TimeSpan.Zero));
        Assert.False(File.Exists(TransactionPath(10)));

        var reader = Open(_dir.Path, clock, new TransactionLogStateStoreOptions { LoadSnapshotWhenBehindBy = 5 });

        Assert.Equal(Describe(await writer.GetStateAsync()), Describe(await reader.GetStateAsync()));
        Assert.Equal(13, reader.LastTransactionNumber);
    }

    [Fact]
    public async Task A_state_loaded_from_a_snapshot_equals_the_replayed_log_to_the_update_times()
    {
        var writer = Open(_dir.Path, NewClock(), NoAutoSnapshots);
        await writer.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        await AddFilesAsync(writer, "a", 3);
        await writer.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest("j", "root", ["a0"])]));
        await writer.CreateSnapshotAsync();

        var replayed = Open(_dir.Path, options: NoAutoSnapshots);
        var fromSnapshot = Open(_dir.Path, options: new TransactionLogStateStoreOptions { LoadSnapshotWhenBehindBy = 1 });

        var expected = Describe(await writer.GetStateAsync());
        Assert.Equal(expected, Describe(await replayed.GetStateAsync()));
        Assert.Equal(expected, Describe(await fromSnapshot.GetStateAsync()));
    }

    [Fact]
    public async Task Snapshots_are_written_automatically_every_so_many_transactions()
    {
        var store = Open(_dir.Path, NewClock(), new TransactionLogStateStoreOptions { SnapshotEveryTransactions = 4 });
        await store.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        await AddFilesAsync(store, "a", 9);

        var snapshots = await new FileSnapshotStore(_dir.Combine(EmbeddedStateStores.SnapshotsFolder)).ListSnapshotsAsync();
        Assert.Equal([4L, 8], snapshots.Select(s => s.TransactionNumber));
    }

    [Fact]
    public async Task Old_transactions_are_deleted_only_behind_a_snapshot_at_least_the_minimum_age_old()
    {
        var clock = NewClock();
        var store = Open(_dir.Path, clock, NoAutoSnapshots);
        var snapshots = new FileSnapshotStore(_dir.Combine(EmbeddedStateStores.SnapshotsFolder));
        await store.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        await AddFilesAsync(store, "a", 9);
        await store.CreateSnapshotAsync();
        clock.Advance(TimeSpan.FromHours(1));
        await AddFilesAsync(store, "b", 10);
        await store.CreateSnapshotAsync();
        await AddFilesAsync(store, "c", 5);
        var age = TimeSpan.FromHours(2);

        clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(0, await store.DeleteOldTransactionsAsync(age));
        Assert.True(File.Exists(TransactionPath(1)));

        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(10, await store.DeleteOldTransactionsAsync(age));
        Assert.False(File.Exists(TransactionPath(10)));
        Assert.True(File.Exists(TransactionPath(11)));
        Assert.Equal([10L, 20], (await snapshots.ListSnapshotsAsync()).Select(s => s.TransactionNumber));

        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(20, await store.DeleteOldTransactionsAsync(age));
        Assert.Equal(5, TransactionFileCount(_dir.Path));
        Assert.Equal([20L], (await snapshots.ListSnapshotsAsync()).Select(s => s.TransactionNumber));

        Assert.Equal(Describe(await store.GetStateAsync()), Describe(await Open(_dir.Path, clock, NoAutoSnapshots).GetStateAsync()));
    }

    [Fact]
    public async Task A_reader_far_behind_catches_up_after_the_transactions_it_needed_were_deleted()
    {
        var writer = Open(_dir.Path, NewClock(), NoAutoSnapshots);
        await writer.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        await AddFilesAsync(writer, "a", 2);
        var reader = Open(_dir.Path, NewClock(), NoAutoSnapshots);
        await reader.UpdateAsync();
        Assert.Equal(3, reader.LastTransactionNumber);

        await AddFilesAsync(writer, "b", 22);
        await writer.CreateSnapshotAsync();
        await AddFilesAsync(writer, "c", 5);
        Assert.Equal(25, await writer.DeleteOldTransactionsAsync(TimeSpan.Zero));

        Assert.Equal(Describe(await writer.GetStateAsync()), Describe(await reader.GetStateAsync()));
        Assert.Equal(30, reader.LastTransactionNumber);
    }

    [Fact]
    public async Task A_reader_whose_whole_tail_was_deleted_loads_the_snapshot_and_never_rewrites_a_deleted_number()
    {
        var writer = Open(_dir.Path, NewClock(), NoAutoSnapshots);
        await writer.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        await AddFilesAsync(writer, "a", 2);
        var reader = Open(_dir.Path, NewClock(), NoAutoSnapshots);
        await reader.UpdateAsync();

        await AddFilesAsync(writer, "b", 7);
        await writer.CreateSnapshotAsync();
        // Everything up to the newest transaction goes, so the log after the reader's number is empty.
        Assert.Equal(10, await writer.DeleteOldTransactionsAsync(TimeSpan.Zero));
        Assert.Equal(0, TransactionFileCount(_dir.Path));

        Assert.Equal(Describe(await writer.GetStateAsync()), Describe(await reader.GetStateAsync()));
        await reader.CommitAsync(new AddFilesTransaction([new FileReference("late", "root", 1)]));
        Assert.Equal(11, reader.LastTransactionNumber);
        Assert.False(File.Exists(TransactionPath(4)));
        Assert.Equal(Describe(await reader.GetStateAsync()), Describe(await writer.GetStateAsync()));
    }
}
