using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using static Sleeper.StateStore.Tests.StateDescriptions;
using static Sleeper.StateStore.Tests.TestTables;

namespace Sleeper.StateStore.Tests;

public sealed class TransactionPersistenceTest : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task CommitAndCheckReopenedAsync(TransactionLogStateStore store, IStateStoreTransaction transaction)
    {
        await store.CommitAsync(transaction);
        var expected = Describe(await store.GetStateAsync());
        var reopened = Open(_dir.Path);
        Assert.Equal(expected, Describe(await reopened.GetStateAsync()));
        Assert.Equal(store.LastTransactionNumber, reopened.LastTransactionNumber);
    }

    [Fact]
    public async Task Every_transaction_type_commits_persists_and_reads_back_the_same_in_a_fresh_store()
    {
        var store = Open(_dir.Path, NewClock());
        var root = PartitionsBuilder.SingleRoot(Schema);
        await CommitAndCheckReopenedAsync(store, new InitialisePartitionsTransaction(root));

        var (rootSplit, left, right) = PartitionsBuilder.Split(root[0], 0, 100L, "L", "R");
        await CommitAndCheckReopenedAsync(store, new SplitPartitionTransaction(rootSplit, [left, right]));

        var (leftSplit, ll, lr) = PartitionsBuilder.Split(left, 0, 0L, "LL", "LR");
        await CommitAndCheckReopenedAsync(store, new ExtendPartitionTreeTransaction([leftSplit], [ll, lr]));

        await CommitAndCheckReopenedAsync(store, new AddFilesTransaction([
            new FileReference("f1", "root", 1000, CountApproximate: true, OnlyContainsDataForThisPartition: false),
            new FileReference("f2", "R", 50)]));

        await CommitAndCheckReopenedAsync(store, new SplitFileReferencesTransaction([
            new SplitFileReferenceRequest("f1", "root", [new FileReference("f1", "L", 600, true, false), new FileReference("f1", "R", 400, true, false)])]));

        await CommitAndCheckReopenedAsync(store, new AssignJobIdsTransaction([new AssignJobIdRequest("job1", "R", ["f1", "f2"])]));
        var assigned = await store.GetFileReferencesAsync();
        Assert.Equal(2, assigned.Count(r => r.JobId == "job1"));

        await CommitAndCheckReopenedAsync(store, new ReplaceFileReferencesTransaction([
            new ReplaceFileReferencesRequest("job1", "R", ["f1", "f2"], new FileReference("out1", "R", 450))]));

        await CommitAndCheckReopenedAsync(store, new DeleteFilesTransaction(["f2"]));
        var files = (await store.GetAllFilesAsync()).ToDictionary(f => f.Filename);
        Assert.Equal(["f1", "out1"], files.Keys.Order());
        Assert.Equal(["L"], files["f1"].References.Select(r => r.PartitionId));

        await CommitAndCheckReopenedAsync(store, new ClearFilesTransaction());
        Assert.Empty(await store.GetAllFilesAsync());

        await CommitAndCheckReopenedAsync(store, new InitialisePartitionsTransaction(PartitionsBuilder.FromSplitPoints(Schema, [10L, 20L])));
        Assert.Equal(3, (await store.GetLeafPartitionsAsync()).Count);
        Assert.Equal(10, store.LastTransactionNumber);
        Assert.Equal(10, TransactionFileCount(_dir.Path));
    }

    [Fact]
    public async Task Files_without_references_become_ready_for_gc_once_old_enough()
    {
        var clock = NewClock();
        var store = Open(_dir.Path, clock);
        await store.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        await store.CommitAsync(new AddFilesTransaction([new FileReference("a", "root", 1), new FileReference("b", "root", 2)]));
        await store.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest("j", "root", ["a"])]));
        await store.CommitAsync(new ReplaceFileReferencesTransaction([new ReplaceFileReferencesRequest("j", "root", ["a"], new FileReference("c", "root", 1))]));
        var replacedAt = clock.GetUtcNow();

        var reopened = Open(_dir.Path);
        Assert.Empty(await reopened.GetReadyForGcFilenamesBeforeAsync(replacedAt.AddMilliseconds(-10)));
        Assert.Equal(["a"], await reopened.GetReadyForGcFilenamesBeforeAsync(replacedAt.AddMinutes(1)));
    }
}
