using Sleeper.BulkImport.Partitioning;
using Sleeper.Core.Partitions;

namespace Sleeper.BulkImport.Tests;

public sealed class LeafSplitPlannerTest
{
    [Fact]
    public void Each_leaf_is_split_at_the_points_strictly_inside_it_and_points_on_boundaries_are_dropped()
    {
        var schema = TestTable.Schema;
        var tree = new PartitionTree(PartitionsBuilder.FromSplitPoints(schema, ["m"]));

        var transaction = LeafSplitPlanner.Plan(tree, schema, ["", "c", "f", "f", "m", "p", "x"])!;

        var all = tree.All.Where(p => transaction.UpdatedPartitions.All(u => u.Id != p.Id))
            .Concat(transaction.UpdatedPartitions).Concat(transaction.NewPartitions).ToList();
        var extended = new PartitionTree(all);
        extended.Validate(schema);
        var mins = extended.Leaves.Select(l => (string)l.Region[0].Min).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["", "c", "f", "m", "p", "x"], mins);
        Assert.Equal(2, transaction.UpdatedPartitions.Count);
        Assert.All(transaction.UpdatedPartitions, p => Assert.False(p.IsLeaf));
    }

    [Fact]
    public void No_point_inside_any_leaf_means_no_split()
    {
        var schema = TestTable.Schema;
        var tree = new PartitionTree(PartitionsBuilder.FromSplitPoints(schema, ["m"]));

        Assert.Null(LeafSplitPlanner.Plan(tree, schema, ["m", ""]));
    }
}
