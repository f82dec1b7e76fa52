using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Sleeper.Core.Splitting;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Core.Tests.Splitting;

public class FindPartitionsToSplitTests
{
    private static readonly TableSchema Schema = new([new Field("key", IntType.Instance)]);

    /// <summary>root split at 100 into L and R.</summary>
    private static PartitionTree Tree()
    {
        var (parent, left, right) = PartitionsBuilder.Split(PartitionsBuilder.SingleRoot(Schema)[0], 0, 100, "L", "R");
        return new PartitionTree([parent, left, right]);
    }

    private static FileReference Whole(string file, string partition, long rows) => new(file, partition, rows);

    [Fact]
    public void A_leaf_splits_only_when_its_rows_exceed_the_threshold()
    {
        var found = FindPartitionsToSplit.Find("t", Tree(), [Whole("a", "L", 600), Whole("b", "L", 400), Whole("c", "R", 1001)], 1000, 50);
        var job = Assert.Single(found.Jobs);
        Assert.Equal("R", job.PartitionId);
        Assert.Equal(1001, job.RowCount);
        Assert.Equal(["c"], job.Filenames);
    }

    [Fact]
    public void Only_files_wholly_in_the_leaf_with_exact_counts_are_counted_as_Sleeper_does()
    {
        var references = new[]
        {
            Whole("own", "L", 500),
            new FileReference("spans-leaves", "L", 400, OnlyContainsDataForThisPartition: false),
            new FileReference("pushed-down", "L", 300, CountApproximate: true, OnlyContainsDataForThisPartition: false),
            Whole("in-root", "root", 1000),
        };
        var found = FindPartitionsToSplit.Find("t", Tree(), references, 1000, 50);
        Assert.Empty(found.Jobs);
        var waiting = Assert.Single(found.WaitingForCompaction);
        Assert.Equal("L", waiting.Partition.Id);
        Assert.Equal(500, waiting.KnownRows);
        // Its own 1,200 plus half of the 1,000 referenced from its parent.
        Assert.Equal(1700, waiting.EstimatedRows);
    }

    [Fact]
    public void Non_leaf_partitions_are_never_split_again()
    {
        var found = FindPartitionsToSplit.Find("t", Tree(), [Whole("a", "root", 5000)], 1000, 50);
        Assert.Empty(found.Jobs);
        Assert.Equal(["L", "R"], found.WaitingForCompaction.Select(w => w.Partition.Id));
    }

    [Fact]
    public void At_most_the_maximum_number_of_files_are_read_the_largest_first()
    {
        var references = Enumerable.Range(0, 10).Select(i => Whole($"f{i}", "L", 100 + (i * 37 % 10))).ToList();
        var job = Assert.Single(FindPartitionsToSplit.Find("t", Tree(), references, 500, 3).Jobs);
        Assert.Equal(references.Sum(r => r.NumberOfRows), job.RowCount);
        Assert.Equal(references.OrderByDescending(r => r.NumberOfRows).Take(3).Select(r => r.Filename), job.Filenames);
    }

    [Fact]
    public void A_leaf_found_unsplittable_is_skipped_until_its_files_change()
    {
        var tree = Tree();
        var memory = new[] { new UnsplittablePartition("L", ["b", "a"], 2000, "all rows have the same key", DateTimeOffset.UnixEpoch) };
        var same = FindPartitionsToSplit.Find("t", tree, [Whole("a", "L", 1000), Whole("b", "L", 1000)], 1000, 50, memory);
        Assert.Empty(same.Jobs);
        Assert.Equal(memory, same.KnownUnsplittable);

        var compacted = FindPartitionsToSplit.Find("t", tree, [Whole("c", "L", 2000)], 1000, 50, memory);
        Assert.Equal("L", Assert.Single(compacted.Jobs).PartitionId);
        Assert.Empty(compacted.KnownUnsplittable);

        var more = FindPartitionsToSplit.Find("t", tree, [Whole("a", "L", 1000), Whole("b", "L", 1000), Whole("d", "L", 5)], 1000, 50, memory);
        Assert.Single(more.Jobs);
    }
}
