using Sleeper.Core;
using Sleeper.Core.Compaction;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.StateStore.Transactions;
using Xunit;

namespace Sleeper.Compaction.Tests;

/// <summary>Job creators racing on one table through the real embedded state store, each with its own table object.</summary>
public sealed class ConcurrentJobCreationTest(Xunit.Abstractions.ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Two_job_creators_on_separate_table_objects_never_put_one_file_in_two_jobs(int seed)
    {
        using var table = await TestTable.CreateAsync(configure: p => p.Set(TableProperty.CompactionFilesBatchSize.Name, "2"));
        var random = new Random(seed);
        var jobs = new List<CompactionJob>();
        var splitAt = new[] { "h", "p", "d", "t" };
        for (var round = 0; round < splitAt.Length; round++)
        {
            for (var f = random.Next(3, 7); f > 0; f--)
            {
                await table.IngestAsync(Enumerable.Range(0, 50).Select(_ => new Row([
                    ((char)random.Next('a', 'z' + 1)).ToString(), random.NextInt64(100), "v"])));
            }
            // Split a leaf, so that some free references sit above the leaves and must first be pushed down, racing too.
            var leaf = await table.LeafContainingAsync(splitAt[round]);
            var (parent, left, right) = PartitionsBuilder.Split(leaf, 0, splitAt[round], Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
            await table.Table.StateStore.CommitAsync(new SplitPartitionTransaction(parent, [left, right]));

            var first = await table.Instance.OpenTableAsync(table.Table.Name);
            var second = await table.Instance.OpenTableAsync(table.Table.Name);
            ICompactionStrategy strategy = round % 2 == 0 ? new BasicCompactionStrategy() : new ForcedCompactionStrategy();
            var created = await Task.WhenAll(
                Task.Run(() => new CompactionJobCreator(first).CreateJobsAsync(strategy)),
                Task.Run(() => new CompactionJobCreator(second).CreateJobsAsync(strategy)));
            jobs.AddRange(created.SelectMany(c => c));
            output.WriteLine($"Round {round}: the creators made {created[0].Count} and {created[1].Count} job(s).");

            var inputs = jobs.SelectMany(j => j.InputFiles.Select(f => (File: f, j.PartitionId, j.JobId))).ToList();
            var twice = inputs.GroupBy(i => (i.File, i.PartitionId)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(twice.Count == 0, $"Round {round}: {twice.Count} file reference(s) are in two jobs, e.g. {twice.FirstOrDefault()}.");
            var state = await table.Table.StateStore.GetStateAsync();
            foreach (var input in inputs)
            {
                Assert.True(state.TryGetReference(input.File, input.PartitionId, out var reference), $"Round {round}: job {input.JobId}'s input {input.File} has no reference in {input.PartitionId}.");
                Assert.Equal(input.JobId, reference.JobId);
            }
            var assigned = state.AllReferences().Where(r => r.JobId is not null).Select(r => (r.Filename, r.PartitionId, r.JobId)).Order().ToList();
            Assert.Equal(inputs.Select(i => (i.File, i.PartitionId, (string?)i.JobId)).Order().ToList(), assigned);
            // Between them the two creators left nothing the strategy would still take.
            Assert.Empty(strategy.CreateJobs(table.Table.Properties, state.PartitionTree(), state.AllReferences().ToList()));
            Assert.All(state.AllReferences(), r => Assert.True(state.Partitions[r.PartitionId].IsLeaf || r.JobId is not null, $"Round {round}: a free reference is left in non-leaf partition {r.PartitionId}."));
        }
        Assert.NotEmpty(jobs);
    }
}
