using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using static Sleeper.StateStore.Tests.TestTables;

namespace Sleeper.StateStore.Tests;

/// <summary>
/// A committer whose view of the log goes stale while another saves a newer snapshot and deletes the log behind
/// it: its append lands on a number that was deleted (so put-if-absent lets it through), behind a snapshot that
/// never folded it. Found by the crash harness (the commit-storm and snapshots scenarios lost rows this way).
/// </summary>
public sealed class StaleCommitterTest
{
    private static readonly TransactionLogStateStoreOptions DeleteAtOnce = new()
    {
        SnapshotEveryTransactions = 2,
        DeleteTransactionsBehindSnapshotsOlderThan = TimeSpan.Zero,
        FirstRetryDelay = TimeSpan.Zero,
        MaxRetryDelay = TimeSpan.Zero,
    };

    private static AddFilesTransaction AddFile(string name) => new([new FileReference(name, "root", 10)]);

    [Fact]
    public async Task A_commit_appended_behind_a_newer_snapshot_is_committed_again_and_never_lost()
    {
        var inner = new InMemoryTransactionLogStore();
        var log = new HookedLog(inner);
        var snapshots = new InMemorySnapshotStore();
        var stale = new TransactionLogStateStore(Schema, log, snapshots, NewClock(), new Random(1), DeleteAtOnce);
        var other = new TransactionLogStateStore(Schema, inner, snapshots, NewClock(), new Random(2), DeleteAtOnce);
        await stale.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        // Between the stale committer's last look at the log and its append, the other commits three times, saves a
        // snapshot and deletes the log behind it at once.
        log.BeforeNextAppend = async () =>
        {
            await other.CommitAsync(AddFile("b1"));
            await other.CommitAsync(AddFile("b2"));
            await other.CommitAsync(AddFile("b3"));
        };

        await stale.CommitAsync(AddFile("a"));

        var fresh = new TransactionLogStateStore(Schema, inner, snapshots, NewClock());
        Assert.Equal(["a", "b1", "b2", "b3"], (await fresh.GetStateAsync()).Files.Keys.Order(StringComparer.Ordinal));
        Assert.True(stale.ConflictCount > 0, "the stale append was not noticed");
    }

    [Fact]
    public async Task Snapshots_remember_the_ids_of_their_newest_transactions()
    {
        var log = new InMemoryTransactionLogStore();
        var snapshots = new InMemorySnapshotStore();
        var store = new TransactionLogStateStore(Schema, log, snapshots, NewClock(), new Random(1), DeleteAtOnce);
        await store.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        var committed = await store.CommitAsync(AddFile("a"));

        var latest = await snapshots.GetLatestSnapshotInfoAsync();
        var state = new StateStoreSerDe(Schema).DeserializeState((await snapshots.LoadSnapshotAsync(latest!.TransactionNumber))!.Body);
        Assert.Equal(committed.TransactionId, state.RecentTransactionIds[committed.TransactionNumber]);
    }

    /// <summary>A log that runs an action just before its next append, as if the appender had stalled there.</summary>
    private sealed class HookedLog(ITransactionLogStore inner) : ITransactionLogStore
    {
        public Func<Task>? BeforeNextAppend { get; set; }

        public async Task AddTransactionAsync(TransactionLogEntry entry, CancellationToken cancellationToken = default)
        {
            var hook = BeforeNextAppend;
            BeforeNextAppend = null;
            if (hook is not null)
            {
                await hook();
            }
            await inner.AddTransactionAsync(entry, cancellationToken);
        }

        public IAsyncEnumerable<TransactionLogEntry> ReadTransactionsAfterAsync(long afterTransactionNumber, CancellationToken cancellationToken = default) =>
            inner.ReadTransactionsAfterAsync(afterTransactionNumber, cancellationToken);

        public Task DeleteTransactionsAtOrBeforeAsync(long transactionNumber, CancellationToken cancellationToken = default) =>
            inner.DeleteTransactionsAtOrBeforeAsync(transactionNumber, cancellationToken);
    }
}
