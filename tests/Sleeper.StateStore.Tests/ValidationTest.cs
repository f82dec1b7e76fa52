using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using static Sleeper.StateStore.Tests.StateDescriptions;
using static Sleeper.StateStore.Tests.TestTables;

namespace Sleeper.StateStore.Tests;

/// <summary>Invalid transactions are rejected against the stored state and leave the log as it was.</summary>
public sealed class ValidationTest : IAsyncLifetime
{
    private readonly TempFolder _dir = new();
    private TransactionLogStateStore _store = null!;

    public async Task InitializeAsync()
    {
        // root split into L and R; f1 in L assigned to job1, f2 in R free, old has no references.
        var setup = Open(_dir.Path, NewClock());
        var root = PartitionsBuilder.SingleRoot(Schema)[0];
        var (parent, left, right) = PartitionsBuilder.Split(root, 0, 100L, "L", "R");
        await setup.InitialiseAsync([parent, left, right]);
        await setup.CommitAsync(new AddFilesTransaction([new FileReference("f1", "L", 10), new FileReference("f2", "R", 20), new FileReference("old", "R", 5)]));
        await setup.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest("job1", "L", ["f1"])]));
        await setup.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest("gc", "R", ["old"])]));
        await setup.CommitAsync(new ReplaceFileReferencesTransaction([new ReplaceFileReferencesRequest("gc", "R", ["old"], new FileReference("new", "R", 5))]));
        // Each test rejects through a fresh instance, so validation runs against what was read from disk.
        _store = Open(_dir.Path, NewClock());
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    public static TheoryData<string, IStateStoreTransaction> InvalidTransactions()
    {
        var root = PartitionsBuilder.SingleRoot(Schema)[0];
        var (parent, left, right) = PartitionsBuilder.Split(root, 0, 100L, "L", "R");
        var (rootAgain, l2, r2) = PartitionsBuilder.Split(root, 0, 50L, "L2", "R2");
        var (leftSplit, ll, lr) = PartitionsBuilder.Split(left, 0, 0L, "LL", "LR");
        return new TheoryData<string, IStateStoreTransaction>
        {
            { "already assigned to job 'job1'", new AssignJobIdsTransaction([new AssignJobIdRequest("job2", "L", ["f1"])]) },
            { "has no reference in partition 'L'", new AssignJobIdsTransaction([new AssignJobIdRequest("job2", "L", ["f2"])]) },
            { "named twice", new AssignJobIdsTransaction([new AssignJobIdRequest("job2", "R", ["f2", "f2"])]) },
            { "assigned to no job", new ReplaceFileReferencesTransaction([new ReplaceFileReferencesRequest("job1", "R", ["f2"], new FileReference("out", "R", 20))]) },
            { "assigned to job 'job1'", new ReplaceFileReferencesTransaction([new ReplaceFileReferencesRequest("job2", "L", ["f1"], new FileReference("out", "L", 10))]) },
            { "output file 'f2' is already in the table", new ReplaceFileReferencesTransaction([new ReplaceFileReferencesRequest("job1", "L", ["f1"], new FileReference("f2", "L", 10))]) },
            { "still referenced", new DeleteFilesTransaction(["f2"]) },
            { "not in the table", new DeleteFilesTransaction(["nope"]) },
            { "no longer a leaf", new SplitPartitionTransaction(rootAgain, [l2, r2]) },
            { "does not exist", new SplitPartitionTransaction(leftSplit with { Id = "X" }, [ll with { ParentId = "X" }, lr with { ParentId = "X" }]) },
            { "already in the table", new AddFilesTransaction([new FileReference("f2", "L", 1)]) },
            { "already in the table", new AddFilesTransaction([new FileReference("old", "L", 1)]) },
            { "partition 'nope' does not exist", new AddFilesTransaction([new FileReference("f3", "nope", 1)]) },
            { "referenced twice", new AddFilesTransaction([new FileReference("f3", "L", 1), new FileReference("f3", "L", 2)]) },
            { "assigned to job 'job1'", new SplitFileReferencesTransaction([new SplitFileReferenceRequest("f1", "L", [new FileReference("f1", "LL", 5)])]) },
            { "is not a child of 'R'", new SplitFileReferencesTransaction([new SplitFileReferenceRequest("f2", "R", [new FileReference("f2", "L", 5)])]) },
            { "holds 4 file(s)", new InitialisePartitionsTransaction([root]) },
            { "no longer a leaf", new ExtendPartitionTreeTransaction([rootAgain], [l2, r2]) },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidTransactions))]
    public async Task An_invalid_transaction_is_rejected_and_nothing_is_appended(string expectedMessage, IStateStoreTransaction transaction)
    {
        var before = Describe(await _store.GetStateAsync());
        var files = TransactionFileCount(_dir.Path);

        var e = await Assert.ThrowsAsync<StateStoreValidationException>(() => _store.CommitAsync(transaction));

        Assert.Contains(expectedMessage, e.Message);
        Assert.Equal(files, TransactionFileCount(_dir.Path));
        Assert.Equal(5, _store.LastTransactionNumber);
        Assert.Equal(before, Describe(await _store.GetStateAsync()));
        Assert.Equal(before, Describe(await Open(_dir.Path).GetStateAsync()));
    }

    [Fact]
    public async Task Assigning_a_file_again_to_the_job_that_holds_it_changes_nothing_and_is_not_a_conflict()
    {
        // A compaction job's message is sent before its assignment commits, and its worker may assign it first.
        await _store.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest("job1", "L", ["f1"]), new AssignJobIdRequest("job2", "R", ["f2"])]));

        var state = await Open(_dir.Path).GetStateAsync();
        Assert.True(state.TryGetReference("f1", "L", out var f1));
        Assert.True(state.TryGetReference("f2", "R", out var f2));
        Assert.Equal(("job1", "job2"), (f1.JobId, f2.JobId));
    }
}
