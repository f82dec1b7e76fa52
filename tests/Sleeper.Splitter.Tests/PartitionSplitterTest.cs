using Sleeper.Core;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Splitting;
using Sleeper.Ingest;
using Sleeper.Parquet;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Splitter.Tests;

public sealed class PartitionSplitterTest
{
    private static readonly Field IntKey = new("key", IntType.Instance);

    /// <summary>The keys from..from+count-1 in a scrambled (but fixed) order.</summary>
    private static IEnumerable<int> Shuffled(int from, int count) => Enumerable.Range(from, count).OrderBy(x => x * 7919 % count);

    [Fact]
    public async Task A_leaf_over_the_threshold_splits_at_the_median_and_its_files_stay_valid_until_compaction_moves_them_down()
    {
        using var t = await SplitterTable.CreateAsync([IntKey], threshold: 100);
        foreach (var start in new[] { 0, 100, 200 })
        {
            await t.IngestAsync(Shuffled(start, 100));
        }

        var round = await t.Splitter().RunRoundAsync();

        var split = Assert.Single(round.Outcomes);
        Assert.Equal(SplitOutcomeKind.Split, split.Kind);
        Assert.Equal(PartitionsBuilder.RootId, split.PartitionId);
        Assert.Equal(300, split.RowCount);
        Assert.Equal(3, split.SketchFilesRead);
        Assert.Equal(0, split.Choice!.Dimension);
        Assert.Equal(149, split.Choice.Value);
        Assert.Equal(("p1", "p2"), (split.LeftChildId, split.RightChildId));

        var state = await t.Table.StateStore.GetStateAsync();
        var root = state.Partitions["root"];
        Assert.False(root.IsLeaf);
        Assert.Equal(0, root.Dimension);
        Assert.Equal(["p1", "p2"], root.ChildIds);
        Assert.Equal(new Region([KeyRange.Of(IntKey, int.MinValue, 149)]), state.Partitions["p1"].Region);
        Assert.Equal(new Region([KeyRange.Of(IntKey, 149, null)]), state.Partitions["p2"].Region);
        Assert.All(new[] { "p1", "p2" }, id => Assert.Equal(("root", true), (state.Partitions[id].ParentId, state.Partitions[id].IsLeaf)));
        // The files are still referenced from the old leaf, now the children's parent.
        Assert.All(state.AllReferences(), r => Assert.Equal("root", r.PartitionId));
        await t.AssertStateIsSoundAsync("after the split");
        await t.AssertWholeTableMatchesAsync("after the split");
        var range = new Region([KeyRange.Of(IntKey, 140, 160)]);
        t.Model.AssertMatches([range], await t.QueryAsync([range]), "a range across the split");

        // Compaction job creation pushes the references down and compacts each child; then each child splits.
        Assert.Equal(2, await t.CompactAsync());
        state = await t.Table.StateStore.GetStateAsync();
        Assert.Equal(["p1", "p2"], state.AllReferences().Select(r => r.PartitionId).Order());
        await t.AssertWholeTableMatchesAsync("after compacting the children");
        var next = await t.Splitter().RunRoundAsync();
        Assert.Equal(["p1", "p2"], next.Splits.Select(s => s.PartitionId));
        Assert.Equal([74, 224], next.Splits.Select(s => (int)s.Choice!.Value!));
        await t.AssertStateIsSoundAsync("after splitting the children");
        await t.AssertWholeTableMatchesAsync("after splitting the children");
    }

    [Fact]
    public async Task A_leaf_at_the_threshold_is_not_split()
    {
        using var t = await SplitterTable.CreateAsync([IntKey], threshold: 100);
        await t.IngestAsync(Enumerable.Range(0, 100));
        var round = await t.Splitter().RunRoundAsync();
        Assert.Empty(round.Outcomes);
        Assert.Single(await t.Table.StateStore.GetAllPartitionsAsync());
        await t.IngestAsync([100]);
        Assert.Single((await t.Splitter().RunRoundAsync()).Splits);
    }

    [Fact]
    public async Task At_most_the_maximum_number_of_sketch_files_are_read_the_largest_first()
    {
        using var t = await SplitterTable.CreateAsync([IntKey], threshold: 100);
        // Three small files of low keys, two large ones of high keys: only the large ones decide.
        for (var i = 0; i < 3; i++)
        {
            await t.IngestAsync(Enumerable.Range(i * 10, 10));
        }
        var large = new List<string>();
        large.AddRange(await t.IngestAsync(Enumerable.Range(1000, 50)));
        large.AddRange(await t.IngestAsync(Enumerable.Range(1050, 51)));

        var split = Assert.Single((await t.Splitter(maxFiles: 2).RunRoundAsync()).Splits);
        Assert.Equal(2, split.SketchFilesRead);
        Assert.Equal(large.Order(StringComparer.Ordinal), split.Job.Filenames.Order(StringComparer.Ordinal));
        Assert.Equal(131, split.RowCount);
        Assert.Equal(1050, split.Choice!.Value);
        await t.AssertWholeTableMatchesAsync("after the split");
    }

    [Fact]
    public async Task A_partition_whose_rows_share_one_key_is_reported_and_not_tried_again_until_its_files_change()
    {
        using var t = await SplitterTable.CreateAsync([IntKey], threshold: 100);
        var files = await t.IngestAsync(Enumerable.Repeat(7, 150));

        var first = await t.Splitter().RunRoundAsync();
        var outcome = Assert.Single(first.Outcomes);
        Assert.Equal(SplitOutcomeKind.Unsplittable, outcome.Kind);
        Assert.Contains("same key (key=7)", outcome.Reason);
        Assert.Single(await t.Table.StateStore.GetAllPartitionsAsync());
        Assert.True(File.Exists(t.Table.LocalPathOf(new UnsplittablePartitionsFile(t.Table).Path)));

        // Not tried again: with its sketches moved away, reading them would fail.
        var sketches = SketchesFile.PathFor(t.Table.LocalPathOf(Assert.Single(files)));
        File.Move(sketches, sketches + ".away");
        var second = await t.Splitter().RunRoundAsync();
        File.Move(sketches + ".away", sketches);
        Assert.Empty(second.Outcomes);
        Assert.Equal("root", Assert.Single(second.KnownUnsplittable).PartitionId);

        // New rows with other keys, compacted into the partition's own file: its files changed, so it is tried and splits.
        await t.IngestAsync(Enumerable.Range(0, 150));
        await t.CompactAsync();
        var third = await t.Splitter().RunRoundAsync();
        var split = Assert.Single(third.Splits);
        Assert.Empty(third.KnownUnsplittable);
        Assert.Equal(7, split.Choice!.Value);
        Assert.Empty(await new UnsplittablePartitionsFile(t.Table).LoadAsync());
        await t.AssertWholeTableMatchesAsync("after the split");
    }

    [Fact]
    public async Task A_split_committed_after_another_process_split_the_partition_is_reported_and_changes_nothing()
    {
        using var t = await SplitterTable.CreateAsync([IntKey], threshold: 10);
        await t.IngestAsync(Enumerable.Range(0, 50));
        var state = await t.Table.StateStore.GetStateAsync();
        var job = Assert.Single(FindPartitionsToSplit.Find(t.Table.Id, state.PartitionTree(), state.AllReferences(), 10, 50).Jobs);
        var mine = t.Splitter();
        var theirs = new PartitionSplitter(t.Table, new PartitionSplitterOptions { NewPartitionId = () => "theirs-" + Guid.NewGuid() });
        var myPlan = await mine.PlanAsync(job);
        var theirPlan = await theirs.PlanAsync(job);

        Assert.Equal(SplitOutcomeKind.Split, (await theirs.CommitAsync(theirPlan)).Kind);
        var transactions = t.Table.StateStore.LastTransactionNumber;
        var outcome = await mine.CommitAsync(myPlan);

        Assert.Equal(SplitOutcomeKind.AlreadySplit, outcome.Kind);
        Assert.Contains("another process split it first", outcome.Reason);
        state = await t.Table.StateStore.GetStateAsync();
        Assert.Equal(transactions, t.Table.StateStore.LastTransactionNumber);
        Assert.Equal(3, state.Partitions.Count);
        Assert.All(state.Partitions["root"].ChildIds, id => Assert.StartsWith("theirs-", id));
        await t.AssertWholeTableMatchesAsync("after both splits");
    }

    [Fact]
    public async Task Missing_sketches_of_a_file_still_referenced_are_an_error_naming_the_file_partition_and_table()
    {
        using var t = await SplitterTable.CreateAsync([IntKey], threshold: 10);
        var file = Assert.Single(await t.IngestAsync(Enumerable.Range(0, 50)));
        File.Delete(SketchesFile.PathFor(t.Table.LocalPathOf(file)));
        var e = await Assert.ThrowsAsync<SleeperException>(() => t.Splitter().RunRoundAsync());
        Assert.Contains(file, e.Message);
        Assert.Contains("partition 'root'", e.Message);
        Assert.Contains("table 't'", e.Message);
    }

    public static TheoryData<string> KeyTypes => new() { "int", "long", "string", "bytes" };

    private static (PrimitiveType Type, Func<int, object> Make) KeyType(string name) => name switch
    {
        "int" => (IntType.Instance, i => i),
        "long" => (LongType.Instance, i => (long)i << 33),
        "string" => (StringType.Instance, i => "k" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)),
        "bytes" => (ByteArrayType.Instance, i => new[] { (byte)(i >> 8), (byte)i, (byte)7 }),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public async Task Every_key_type_splits_on_the_second_row_key_when_the_first_is_constant(string typeName)
    {
        var (type, make) = KeyType(typeName);
        using var t = await SplitterTable.CreateAsync([new Field("tenant", StringType.Instance), new Field("id", type)], threshold: 100);
        await t.IngestAsync(Enumerable.Range(0, 201).Select(i => new[] { "acme", make(i) }));

        var split = Assert.Single((await t.Splitter().RunRoundAsync()).Splits);
        Assert.Equal(1, split.Choice!.Dimension);
        Assert.True(KeyValues.ValueEquals(make(100), split.Choice.Value));
        await t.AssertStateIsSoundAsync("after the split");
        await t.AssertWholeTableMatchesAsync("after the split");
        foreach (var i in new[] { 0, 99, 100, 200 })
        {
            var exact = Region.ForKey(t.Schema, new Key(["acme", make(i)]));
            t.Model.AssertMatches([exact], await t.QueryAsync([exact]), $"key {i}");
        }

        // Other tenants now, as many rows as acme's in each child: the children split on the first row key again.
        await t.IngestAsync(Enumerable.Range(0, 400).Select(i => new[] { i % 2 == 0 ? "beta" : "zeta", make(i % 200) }));
        await t.CompactAsync();
        var next = await t.Splitter().RunRoundAsync();
        Assert.Equal(2, next.Splits.Count());
        Assert.All(next.Splits, s => Assert.Equal((0, "beta"), (s.Choice!.Dimension, s.Choice.Value)));
        await t.AssertStateIsSoundAsync("after the second round");
        await t.AssertWholeTableMatchesAsync("after the second round");
    }

    [Fact]
    public async Task Files_that_span_several_leaves_count_once_compaction_gives_each_leaf_its_own()
    {
        using var t = await SplitterTable.CreateAsync([IntKey], threshold: 100, splitPoints: [500],
            configure: p => p.Set(TableProperty.IngestFileWritingStrategy.Name, IngestRunner.OneReferencePerLeaf));
        // Two ingests, so that each leaf has two files to compact (one file alone is not compacted).
        await t.IngestAsync(Enumerable.Range(0, 300).Select(i => i * 3));
        await t.IngestAsync(Enumerable.Range(0, 300).Select(i => i * 3 + 1));

        var before = await t.Splitter().RunRoundAsync();
        Assert.Empty(before.Outcomes);
        Assert.Equal(2, before.WaitingForCompaction.Count);

        await t.CompactAsync();
        var after = await t.Splitter().RunRoundAsync();
        Assert.Equal(2, after.Splits.Count());
        Assert.Empty(after.WaitingForCompaction);
        await t.AssertWholeTableMatchesAsync("after the splits");
    }

    [Fact]
    public async Task The_splitting_worker_runs_rounds_over_online_tables_and_exits_when_idle()
    {
        using var t = await SplitterTable.CreateAsync([IntKey], threshold: 10);
        await t.IngestAsync(Enumerable.Range(0, 50));
        var worker = new SplittingWorker(async _ => [await t.Instance.OpenTableAsync("t")], new PartitionSplitterOptions { Random = new Random(1) });
        var result = await worker.RunAsync(TimeSpan.Zero);
        Assert.Equal(new SplittingWorkerResult(1, 1), result);
        Assert.Equal(3, (await t.Table.StateStore.GetAllPartitionsAsync()).Count);
    }
}
