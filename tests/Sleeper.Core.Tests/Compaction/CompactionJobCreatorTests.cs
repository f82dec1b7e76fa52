using Sleeper.Core.Compaction;
using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;
using Sleeper.TestSupport;
using Xunit;

namespace Sleeper.Core.Tests.Compaction;

public sealed class CompactionJobCreatorTests
{
    private static readonly TableSchema Schema = new([new Field("key", StringType.Instance)]);

    private static SleeperTable Table(InMemoryTransactionLogStore log, InMemorySnapshotStore snapshots, SleeperProperties properties) =>
        new(new TableStatus("t1", "t", true), Schema, properties,
            new TransactionLogStateStore(Schema, log, snapshots, options: new TransactionLogStateStoreOptions { SnapshotEveryTransactions = 0 }),
            new InMemoryObjectStore());

    [Fact]
    public async Task Two_concurrent_creators_never_put_one_file_into_two_jobs()
    {
        for (var round = 0; round < 20; round++)
        {
            var log = new InMemoryTransactionLogStore();
            var snapshots = new InMemorySnapshotStore();
            var properties = SleeperProperties.ForTable();
            properties.Set(TableProperty.CompactionFilesBatchSize.Name, "3");
            properties.Set(TableProperty.CompactionStrategyClass.Name, "BasicCompactionStrategy");
            var first = Table(log, snapshots, properties);
            await first.StateStore.InitialiseAsync(PartitionsBuilder.FromSplitPoints(Schema, ["g", "p"]));
            var leaves = await first.StateStore.GetLeafPartitionsAsync();
            await first.StateStore.CommitAsync(new AddFilesTransaction(
                leaves.SelectMany(l => Enumerable.Range(0, 9).Select(i => new FileReference($"{l.Id}-{i}", l.Id, 10))).ToList()));

            var creators = Enumerable.Range(0, 2).Select(_ => Table(log, snapshots, properties)).ToList();
            var results = await Task.WhenAll(creators.Select(c => Task.Run(() =>
                new CompactionJobCreator(c).CreateJobsAsync(new BasicCompactionStrategy()))));
            var jobs = results.SelectMany(r => r).ToList();

            var claimed = jobs.SelectMany(j => j.InputFiles.Select(f => (j.PartitionId, f))).ToList();
            Assert.Equal(claimed.Count, claimed.Distinct().Count());
            Assert.Equal(9, jobs.Count);
            var state = await first.StateStore.GetStateAsync();
            foreach (var job in jobs)
            {
                foreach (var file in job.InputFiles)
                {
                    Assert.True(state.TryGetReference(file, job.PartitionId, out var reference));
                    Assert.Equal(job.JobId, reference.JobId);
                }
            }
        }
    }

    [Fact]
    public async Task References_in_non_leaf_partitions_are_pushed_down_to_the_leaves_first()
    {
        var table = Table(new InMemoryTransactionLogStore(), new InMemorySnapshotStore(), SleeperProperties.ForTable());
        var partitions = PartitionsBuilder.FromSplitPoints(Schema, ["d", "m", "t"]);
        await table.StateStore.InitialiseAsync(partitions);
        await table.StateStore.CommitAsync(new AddFilesTransaction([new FileReference("big", PartitionsBuilder.RootId, 100), new FileReference("big2", PartitionsBuilder.RootId, 100)]));

        var jobs = await new CompactionJobCreator(table).CreateJobsAsync(new ForcedCompactionStrategy());

        var state = await table.StateStore.GetStateAsync();
        var leafIds = state.Partitions.Values.Where(p => p.IsLeaf).Select(p => p.Id).ToHashSet();
        Assert.All(state.AllReferences(), r => Assert.Contains(r.PartitionId, leafIds));
        Assert.Equal(8, state.AllReferences().Count());
        Assert.All(state.AllReferences(), r => Assert.True(r.CountApproximate));
        Assert.Equal(4, jobs.Count);
        Assert.All(jobs, j => Assert.Equal(["big", "big2"], j.InputFiles.Order()));
    }

    [Fact]
    public async Task A_job_round_trips_through_its_queue_form()
    {
        var job = new CompactionJob("j", "t1", "t", "p", ["a", "b"], "out.parquet", DateTimeOffset.FromUnixTimeMilliseconds(1234));
        var back = CompactionJobSerDe.FromJson(CompactionJobSerDe.ToJson(job));
        Assert.Equal(job with { InputFiles = [] }, back with { InputFiles = [] });
        Assert.Equal(job.InputFiles, back.InputFiles);
    }
}
