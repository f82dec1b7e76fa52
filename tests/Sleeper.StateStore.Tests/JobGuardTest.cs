using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using static Sleeper.StateStore.Tests.StateDescriptions;
using static Sleeper.StateStore.Tests.TestTables;

namespace Sleeper.StateStore.Tests;

/// <summary>Ingest and bulk import commits are idempotent by job id: a job's files are added once, whichever attempt gets there first.</summary>
public sealed class JobGuardTest : IDisposable
{
    private static readonly TransactionLogStateStoreOptions NoAutoSnapshots = new() { SnapshotEveryTransactions = 0, LoadSnapshotWhenBehindBy = 1 };
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static AddFilesTransaction AddFile(string name, string? jobId) => new([new FileReference(name, "root", 10)], jobId);

    [Fact]
    public async Task A_second_commit_of_a_job_that_committed_adds_nothing_and_says_why()
    {
        var store = Open(_dir.Path, NewClock(), NoAutoSnapshots);
        await store.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        await store.CommitAsync(AddFile("first-attempt", "job-1"));
        var before = store.LastTransactionNumber;

        var e = await Assert.ThrowsAsync<JobAlreadyCommittedException>(() => store.CommitAsync(AddFile("second-attempt", "job-1")));

        Assert.Equal("job-1", e.JobId);
        Assert.Contains("job-1", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, store.LastTransactionNumber);
        Assert.Equal(["first-attempt"], (await store.GetStateAsync()).Files.Keys);
        Assert.True((await store.GetStateAsync()).HasCommittedJob("job-1"));
    }

    [Fact]
    public async Task Other_jobs_and_commits_without_a_job_are_not_held_back()
    {
        var store = Open(_dir.Path, NewClock(), NoAutoSnapshots);
        await store.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));

        await store.CommitAsync(AddFile("a", "job-1"));
        await store.CommitAsync(AddFile("b", "job-2"));
        await store.CommitAsync(AddFile("c", null));
        await store.CommitAsync(AddFile("d", null));

        Assert.Equal(["a", "b", "c", "d"], (await store.GetStateAsync()).Files.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_committed_jobs_are_remembered_by_a_fresh_store_from_the_log_and_from_a_snapshot()
    {
        var writer = Open(_dir.Path, NewClock(), NoAutoSnapshots);
        await writer.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        await writer.CommitAsync(AddFile("a", "job-1"));
        await writer.CreateSnapshotAsync();
        await writer.DeleteOldTransactionsAsync(TimeSpan.Zero);

        var fromSnapshot = Open(_dir.Path, options: NoAutoSnapshots);

        Assert.True((await fromSnapshot.GetStateAsync()).HasCommittedJob("job-1"));
        await Assert.ThrowsAsync<JobAlreadyCommittedException>(() => fromSnapshot.CommitAsync(AddFile("b", "job-1")));
        Assert.Equal(Describe(await writer.GetStateAsync()), Describe(await fromSnapshot.GetStateAsync()));
    }

    [Fact]
    public void A_snapshot_written_before_jobs_were_remembered_still_loads()
    {
        var serDe = new StateStoreSerDe(Schema);
        var state = serDe.DeserializeState(
            "{\"partitions\":[" + serDe.WritePartition(PartitionsBuilder.SingleRoot(Schema)[0]).ToJsonString() + "],\"files\":[]}");

        Assert.False(state.HasCommittedJob("job-1"));
        Assert.Contains("committedJobs", serDe.SerializeState(state), StringComparison.Ordinal);
    }

    [Fact]
    public void The_job_id_of_an_AddFiles_survives_the_log_and_an_entry_without_one_reads_as_before()
    {
        var serDe = new StateStoreSerDe(Schema);

        var withJob = (AddFilesTransaction)serDe.Deserialize("AddFiles", serDe.Serialize(AddFile("a", "job-1")));
        var old = (AddFilesTransaction)serDe.Deserialize("AddFiles", "{\"references\":[{\"filename\":\"a\",\"partitionId\":\"root\",\"numberOfRows\":1}]}");

        Assert.Equal("job-1", withJob.JobId);
        Assert.Null(old.JobId);
        Assert.Equal("a", Assert.Single(old.References).Filename);
    }
}
