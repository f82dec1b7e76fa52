using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.CrashHarness.Faults;

namespace Sleeper.CrashHarness.Tests;

/// <summary>The fault adapters inject what they say they inject, and only while enabled.</summary>
public sealed class FaultAdaptersTest
{
    private static readonly TableSchema Schema = new([new Field("key", LongType.Instance)]);

    [Fact]
    public async Task An_append_reported_as_failed_is_in_the_log_all_the_same()
    {
        var log = new InMemoryTransactionLogStore();
        var plan = new FaultPlan(1, 1.0) { Only = new HashSet<FaultKind> { FaultKind.AppendSucceedsButReportsFailure } };
        var faulty = new FaultInjectingTransactionLogStore(log, plan);

        await Assert.ThrowsAsync<InjectedFaultException>(() =>
            faulty.AddTransactionAsync(new TransactionLogEntry(1, DateTimeOffset.UnixEpoch, "T", "{}")));

        Assert.Single(await log.ReadTransactionsAfterAsync(0).ToListAsync());
    }

    [Fact]
    public async Task A_conflict_storm_ends_and_the_commit_lands_after_retries()
    {
        var log = new InMemoryTransactionLogStore();
        var plan = new FaultPlan(3, 0.5) { Only = new HashSet<FaultKind> { FaultKind.AppendConflicts } };
        var store = new TransactionLogStateStore(Schema, new FaultInjectingTransactionLogStore(log, plan),
            new InMemorySnapshotStore(), random: new Random(1),
            options: new TransactionLogStateStoreOptions { FirstRetryDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(2) });
        plan.Enabled = false;
        await store.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        plan.Enabled = true;

        for (var i = 0; i < 10; i++)
        {
            await store.CommitAsync(new AddFilesTransaction([new FileReference($"f{i}", "root", 1)]));
        }

        Assert.True(plan.Injected.GetValueOrDefault(FaultKind.AppendConflicts) > 0);
        Assert.True(store.ConflictCount > 0);
        Assert.Equal(10, (await store.GetFileReferencesAsync()).Count);
    }

    [Fact]
    public async Task Nothing_is_injected_while_the_plan_is_disabled()
    {
        var plan = new FaultPlan(1, 1.0) { Enabled = false };
        var faulty = new FaultInjectingTransactionLogStore(new InMemoryTransactionLogStore(), plan);

        await faulty.AddTransactionAsync(new TransactionLogEntry(1, DateTimeOffset.UnixEpoch, "T", "{}"));

        Assert.Equal(0, plan.Total);
    }

    [Fact]
    public void A_short_read_ends_early_though_the_length_says_more()
    {
        using var stream = new ShortReadStream(new MemoryStream(new byte[100]), 40);
        var buffer = new byte[100];

        var read = 0;
        int n;
        while ((n = stream.Read(buffer, read, buffer.Length - read)) > 0)
        {
            read += n;
        }

        Assert.Equal(40, read);
        Assert.Equal(100, stream.Length);
    }
}
