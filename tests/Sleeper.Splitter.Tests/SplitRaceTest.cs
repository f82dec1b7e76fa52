using Sleeper.Core.Compaction;
using Sleeper.Core.Schema;
using Sleeper.Core.Splitting;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Splitter.Tests;

/// <summary>A split and a compaction of the same partition, in each order they can meet: the table stays sound and every row is read once.</summary>
public sealed class SplitRaceTest
{
    private static readonly Field IntKey = new("key", IntType.Instance);

    private static async Task<SplitterTable> TableWithThreeFilesAsync()
    {
        var t = await SplitterTable.CreateAsync([IntKey], threshold: 100);
        for (var i = 0; i < 3; i++)
        {
            await t.IngestAsync(Enumerable.Range(0, 100).Select(k => k * 3 + i));
        }
        return t;
    }

    private static async Task AssertConsistentAsync(SplitterTable t, string context)
    {
        await t.AssertStateIsSoundAsync(context);
        await t.AssertWholeTableMatchesAsync(context);
    }

    [Fact]
    public async Task A_compaction_job_created_before_the_split_commits_into_the_old_leaf_and_is_pushed_down_later()
    {
        using var t = await TableWithThreeFilesAsync();
        var job = Assert.Single(await t.CreateCompactionJobsAsync());
        Assert.Equal("root", job.PartitionId);

        // The files are assigned to the job, but the split needs only their sketches.
        var split = Assert.Single((await t.Splitter().RunRoundAsync()).Splits);
        Assert.Equal("root", split.PartitionId);
        await AssertConsistentAsync(t, "after the split, before the job ran");

        await t.RunAsync([job]);
        var state = await t.Table.StateStore.GetStateAsync();
        var output = Assert.Single(state.AllReferences());
        Assert.Equal((job.OutputFile, "root"), (output.Filename, output.PartitionId));
        Assert.False(state.Partitions["root"].IsLeaf);
        await AssertConsistentAsync(t, "after the job committed into the split partition");

        // Job creation moves the output down to the children before any compaction of them.
        await t.CreateCompactionJobsAsync();
        state = await t.Table.StateStore.GetStateAsync();
        Assert.Equal(["p1", "p2"], state.AllReferences().Select(r => r.PartitionId).Order());
        Assert.All(state.AllReferences(), r => Assert.True(r.CountApproximate && !r.OnlyContainsDataForThisPartition));
        await AssertConsistentAsync(t, "after the references were pushed down");
        await t.GcAsync();
        await AssertConsistentAsync(t, "after GC");
    }

    [Fact]
    public async Task A_split_decided_before_a_compaction_commits_after_it()
    {
        using var t = await TableWithThreeFilesAsync();
        var state = await t.Table.StateStore.GetStateAsync();
        var job = Assert.Single(FindPartitionsToSplit.Find(t.Table.Id, state.PartitionTree(), state.AllReferences(), 100, 50).Jobs);
        var splitter = t.Splitter();
        var plan = await splitter.PlanAsync(job);

        // Meanwhile the files are compacted into one and the old ones deleted.
        Assert.Equal(1, await t.CompactAsync());
        Assert.Equal(3, await t.GcAsync());
        await AssertConsistentAsync(t, "after the compaction, before the split committed");

        var outcome = await splitter.CommitAsync(plan);
        Assert.Equal(SplitOutcomeKind.Split, outcome.Kind);
        Assert.Equal(149, outcome.Choice!.Value);
        await AssertConsistentAsync(t, "after the split committed");
        // Job creation pushes the compaction's output down to the new children.
        await t.CreateCompactionJobsAsync(new ForcedCompactionStrategy());
        Assert.Equal(["p1", "p2"], (await t.Table.StateStore.GetFileReferencesAsync()).Select(r => r.PartitionId).Order());
        await AssertConsistentAsync(t, "after the compaction's output was pushed down");
    }

    [Fact]
    public async Task A_split_whose_files_were_compacted_and_collected_before_it_read_them_waits_for_the_next_round()
    {
        using var t = await TableWithThreeFilesAsync();
        var state = await t.Table.StateStore.GetStateAsync();
        var job = Assert.Single(FindPartitionsToSplit.Find(t.Table.Id, state.PartitionTree(), state.AllReferences(), 100, 50).Jobs);
        await t.CompactAsync();
        await t.GcAsync();

        var outcome = await t.Splitter().SplitAsync(job);
        Assert.Equal(SplitOutcomeKind.FilesChanged, outcome.Kind);
        Assert.Single(await t.Table.StateStore.GetAllPartitionsAsync());
        await AssertConsistentAsync(t, "after the split gave up");

        Assert.Single((await t.Splitter().RunRoundAsync()).Splits);
        await AssertConsistentAsync(t, "after the next round");
    }

    [Fact]
    public async Task A_split_and_a_compaction_running_at_the_same_time_leave_every_row_once()
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var t = await TableWithThreeFilesAsync();
            var jobs = await t.CreateCompactionJobsAsync();
            var splitter = t.Splitter();
            await Task.WhenAll(Task.Run(() => t.RunAsync(jobs)), Task.Run(() => splitter.RunRoundAsync()));
            var state = await t.Table.StateStore.GetStateAsync();
            Assert.Equal(3, state.Partitions.Count);
            await AssertConsistentAsync(t, $"attempt {attempt}, after both");
            await t.CompactAsync();
            await t.GcAsync();
            await AssertConsistentAsync(t, $"attempt {attempt}, after compacting the children");
        }
    }
}
