using Sleeper.Core;
using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using static Sleeper.StateStore.Tests.TestTables;

namespace Sleeper.StateStore.Tests;

/// <summary>
/// A commit has one outcome: it returns having appended its transaction exactly once, or throws having appended
/// nothing, whatever fails around the append (housekeeping after it, an append whose answer is lost, conflicts).
/// </summary>
public sealed class CommitOutcomeTest
{
    private static readonly TransactionLogStateStoreOptions Fast = new()
    {
        SnapshotEveryTransactions = 0,
        FirstRetryDelay = TimeSpan.Zero,
        MaxRetryDelay = TimeSpan.Zero,
    };

    private static async Task<TransactionLogStateStore> NewTableAsync(ITransactionLogStore log, ITransactionLogSnapshotStore? snapshots = null,
        TransactionLogStateStoreOptions? options = null)
    {
        var store = new TransactionLogStateStore(Schema, log, snapshots ?? new InMemorySnapshotStore(), NewClock(), new Random(1), options ?? Fast);
        await store.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        return store;
    }

    private static AddFilesTransaction AddFile(string name, long rows = 10) => new([new FileReference(name, "root", rows)]);

    private static async Task<List<TransactionLogEntry>> EntriesAsync(ITransactionLogStore log)
    {
        var entries = new List<TransactionLogEntry>();
        await foreach (var e in log.ReadTransactionsAfterAsync(0))
        {
            entries.Add(e);
        }
        return entries;
    }

    private static int EntriesAdding(List<TransactionLogEntry> entries, string filename) =>
        entries.Count(e => e.TransactionType == "AddFiles" && e.Body.Contains($"\"{filename}\"", StringComparison.Ordinal));

    [Fact]
    public async Task A_commit_whose_snapshot_then_fails_still_returns_as_committed()
    {
        var log = new InMemoryTransactionLogStore();
        var snapshots = new FaultInjectingSnapshotStore(new InMemorySnapshotStore()) { FailSave = _ => true };
        var store = await NewTableAsync(log, snapshots, Fast with { SnapshotEveryTransactions = 1 });

        await store.CommitAsync(AddFile("a"));

        Assert.True(snapshots.FaultsInjected > 0);
        Assert.Equal(1, EntriesAdding(await EntriesAsync(log), "a"));
        Assert.True((await store.GetStateAsync()).Files.ContainsKey("a"));
    }

    [Fact]
    public async Task A_commit_whose_deletion_of_old_transactions_then_fails_still_returns_as_committed()
    {
        var log = new InMemoryTransactionLogStore();
        var snapshots = new FaultInjectingSnapshotStore(new InMemorySnapshotStore()) { FailList = true };
        var store = await NewTableAsync(log, snapshots, Fast with { SnapshotEveryTransactions = 1, DeleteTransactionsBehindSnapshotsOlderThan = TimeSpan.Zero });

        await store.CommitAsync(AddFile("a"));

        Assert.True(snapshots.FaultsInjected > 0);
        Assert.Equal(1, EntriesAdding(await EntriesAsync(log), "a"));
    }

    [Fact]
    public async Task Cancellation_just_after_the_append_is_not_reported_as_a_failure_to_commit()
    {
        using var cancel = new CancellationTokenSource();
        var log = new CancelAfterAppendLog(new InMemoryTransactionLogStore(), cancel);
        var store = await NewTableAsync(log, options: Fast with { SnapshotEveryTransactions = 1 });

        await store.CommitAsync(AddFile("a"), cancel.Token);

        Assert.True(cancel.IsCancellationRequested);
        Assert.Equal(1, EntriesAdding(await EntriesAsync(log), "a"));
    }

    [Fact]
    public async Task An_append_that_was_written_but_reported_as_failed_is_recognised_by_its_id_as_committed()
    {
        var log = FaultInjectingTransactionLogStore.Script(new InMemoryTransactionLogStore(), AppendFault.None, AppendFault.FailAfterWriting);
        var store = await NewTableAsync(log);

        await store.CommitAsync(AddFile("a"));

        Assert.Equal(1, log.FailedAfterWriting);
        Assert.Equal(1, EntriesAdding(await EntriesAsync(log), "a"));
        Assert.True((await store.GetStateAsync()).Files.ContainsKey("a"));
        Assert.Equal(2, store.LastTransactionNumber);
    }

    [Fact]
    public async Task An_append_that_failed_before_writing_is_retried_and_commits_once()
    {
        var log = FaultInjectingTransactionLogStore.Script(new InMemoryTransactionLogStore(),
            AppendFault.None, AppendFault.FailBeforeWriting, AppendFault.FailBeforeWriting, AppendFault.FailBeforeWriting);
        var store = await NewTableAsync(log);

        await store.CommitAsync(AddFile("a"));

        Assert.Equal(3, log.FailedBeforeWriting);
        Assert.Equal(1, EntriesAdding(await EntriesAsync(log), "a"));
    }

    [Fact]
    public async Task An_append_that_conflicts_many_times_in_a_row_commits_once_in_the_end()
    {
        var log = FaultInjectingTransactionLogStore.Script(new InMemoryTransactionLogStore(),
            [AppendFault.None, .. Enumerable.Repeat(AppendFault.Conflict, 30)]);
        var store = await NewTableAsync(log);

        await store.CommitAsync(AddFile("a"));

        Assert.Equal(30, store.ConflictCount);
        Assert.Equal(1, EntriesAdding(await EntriesAsync(log), "a"));
    }

    [Fact]
    public async Task An_append_whose_outcome_cannot_be_read_back_says_so_and_can_be_settled_later()
    {
        var log = FaultInjectingTransactionLogStore.Script(new InMemoryTransactionLogStore(), AppendFault.None, AppendFault.FailAfterWriting);
        var store = await NewTableAsync(log);
        // Once the append's answer is lost, the log cannot be read back either.
        log.FailRead = _ => log.FailedAfterWriting > 0;

        var unknown = await Assert.ThrowsAsync<CommitOutcomeUnknownException>(() => store.CommitAsync(AddFile("a")));

        log.FailRead = _ => false;
        Assert.Equal(2, unknown.TransactionNumber);
        Assert.True(await store.WasCommittedAsync(unknown.TransactionId, unknown.TransactionNumber));
        Assert.False(await store.WasCommittedAsync(Guid.NewGuid().ToString(), unknown.TransactionNumber));
    }

    [Fact]
    public async Task Every_committed_transaction_carries_its_own_id()
    {
        var log = new InMemoryTransactionLogStore();
        var store = await NewTableAsync(log);

        var a = await store.CommitAsync(AddFile("a"));
        var b = await store.CommitAsync(AddFile("b"));

        var entries = await EntriesAsync(log);
        Assert.All(entries, e => Assert.False(string.IsNullOrEmpty(e.TransactionId)));
        Assert.Equal(entries.Count, entries.Select(e => e.TransactionId).Distinct().Count());
        Assert.Equal(a.TransactionId, entries[1].TransactionId);
        Assert.Equal((2L, 3L), (a.TransactionNumber, b.TransactionNumber));
        Assert.True(await store.WasCommittedAsync(b.TransactionId, 1));
    }

    [Fact]
    public async Task A_rejected_transaction_appends_nothing_and_says_so()
    {
        var log = new InMemoryTransactionLogStore();
        var store = await NewTableAsync(log);
        await store.CommitAsync(AddFile("a"));

        await Assert.ThrowsAsync<StateStoreValidationException>(() => store.CommitAsync(AddFile("a")));

        Assert.Equal(1, EntriesAdding(await EntriesAsync(log), "a"));
    }

    /// <summary>
    /// Under random faults in the log (appends failing before or after they write, conflicts, the caller cancelling
    /// just before or just after a write) and in the snapshots, with two committers on one log, every commit either
    /// returns having appended its transaction exactly once, or throws having appended nothing; and the table is
    /// exactly what the returned commits made.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task Under_random_faults_every_commit_happens_exactly_once_or_not_at_all(int seed)
    {
        var random = new Random(seed);
        var inner = new InMemoryTransactionLogStore();
        var cancelling = new RandomlyCancellingLog(inner, new Random(seed + 7));
        var log = FaultInjectingTransactionLogStore.Random(cancelling, seed, failBeforeWriting: 0.15, failAfterWriting: 0.15, conflict: 0.15);
        var snapshots = new FaultInjectingSnapshotStore(new InMemorySnapshotStore()) { FailSave = n => n % 3 == 0 };
        var options = Fast with { SnapshotEveryTransactions = 2, DeleteTransactionsBehindSnapshotsOlderThan = TimeSpan.Zero, MaxCommitAttempts = 4 };
        var committers = new[]
        {
            new TransactionLogStateStore(Schema, log, snapshots, NewClock(), new Random(seed), options),
            new TransactionLogStateStore(Schema, log, snapshots, NewClock(), new Random(seed + 100), options),
        };
        await new TransactionLogStateStore(Schema, inner, new InMemorySnapshotStore()).InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        var expected = new HashSet<string>(StringComparer.Ordinal);
        int returned = 0, thrown = 0;
        for (var i = 0; i < 200; i++)
        {
            // Now and then a file that is already in the table, which no attempt may add.
            var name = expected.Count > 0 && random.Next(8) == 0 ? expected.ElementAt(random.Next(expected.Count)) : $"file-{i}";
            var tag = 1_000_000 + i;
            var committer = committers[random.Next(committers.Length)];
            var threw = false;
            using var cancel = new CancellationTokenSource();
            cancelling.Caller = cancel;
            try
            {
                await committer.CommitAsync(AddFile(name, tag), cancel.Token);
                returned++;
            }
            catch (Exception e) when (e is SleeperException or OperationCanceledException)
            {
                Assert.IsNotType<CommitOutcomeUnknownException>(e);
                threw = true;
                thrown++;
            }
            // What reached the log, whatever the committer was told (the snapshots delete the log behind them).
            var appended = log.Written.Count(e => e.Body.Contains($"\"numberOfRows\":{tag},", StringComparison.Ordinal));
            Assert.True(appended == (threw ? 0 : 1), $"Commit {i} of '{name}' {(threw ? "threw" : "returned")} and was appended {appended} times.");
            if (!threw)
            {
                expected.Add(name);
            }
        }
        var fresh = new TransactionLogStateStore(Schema, inner, snapshots, options: Fast);
        Assert.Equal(expected.Order(StringComparer.Ordinal), (await fresh.GetStateAsync()).Files.Keys.Order(StringComparer.Ordinal));
        Assert.True(log.FailedAfterWriting > 10 && log.FailedBeforeWriting > 10 && log.Conflicts > 10, "too few faults were injected");
        Assert.True(returned > 100 && thrown > 10, $"{returned} commits returned and {thrown} threw");
        Assert.True(cancelling.CancelledBefore > 3 && cancelling.CancelledAfter > 3, $"too few cancellations: {cancelling.CancelledBefore} before and {cancelling.CancelledAfter} after an append");
    }

    /// <summary>
    /// Now and then cancels the caller's token around an append: just before it (the append then stops, unwritten,
    /// as a cancellable store's would) or just after it was written (as a Ctrl-C arriving then would).
    /// </summary>
    private sealed class RandomlyCancellingLog(ITransactionLogStore inner, Random random) : ITransactionLogStore
    {
        public CancellationTokenSource? Caller { get; set; }

        public int CancelledBefore { get; private set; }

        public int CancelledAfter { get; private set; }

        public async Task AddTransactionAsync(TransactionLogEntry entry, CancellationToken cancellationToken = default)
        {
            var roll = random.NextDouble();
            if (roll < 0.08 && Caller is { IsCancellationRequested: false } before)
            {
                CancelledBefore++;
                await before.CancelAsync();
            }
            cancellationToken.ThrowIfCancellationRequested();
            await inner.AddTransactionAsync(entry, cancellationToken);
            if (roll > 0.92 && Caller is { IsCancellationRequested: false } after)
            {
                CancelledAfter++;
                await after.CancelAsync();
            }
        }

        public IAsyncEnumerable<TransactionLogEntry> ReadTransactionsAfterAsync(long afterTransactionNumber, CancellationToken cancellationToken = default) =>
            inner.ReadTransactionsAfterAsync(afterTransactionNumber, cancellationToken);

        public Task DeleteTransactionsAtOrBeforeAsync(long transactionNumber, CancellationToken cancellationToken = default) =>
            inner.DeleteTransactionsAtOrBeforeAsync(transactionNumber, cancellationToken);
    }

    /// <summary>Appends, then cancels the committer's token, as a Ctrl-C arriving just after the write would.</summary>
    private sealed class CancelAfterAppendLog(ITransactionLogStore inner, CancellationTokenSource cancel) : ITransactionLogStore
    {
        private int _appends;

        public async Task AddTransactionAsync(TransactionLogEntry entry, CancellationToken cancellationToken = default)
        {
            await inner.AddTransactionAsync(entry, cancellationToken);
            if (++_appends == 2)
            {
                await cancel.CancelAsync();
            }
        }

        public IAsyncEnumerable<TransactionLogEntry> ReadTransactionsAfterAsync(long afterTransactionNumber, CancellationToken cancellationToken = default) =>
            inner.ReadTransactionsAfterAsync(afterTransactionNumber, cancellationToken);

        public Task DeleteTransactionsAtOrBeforeAsync(long transactionNumber, CancellationToken cancellationToken = default) =>
            inner.DeleteTransactionsAtOrBeforeAsync(transactionNumber, cancellationToken);
    }
}
