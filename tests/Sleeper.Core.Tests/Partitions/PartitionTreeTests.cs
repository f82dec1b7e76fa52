using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Xunit;

namespace Sleeper.Core.Tests.Partitions;

public class PartitionTreeTests
{
    private static readonly Field s_k = new("k", IntType.Instance);
    private static readonly Field s_s = new("s", StringType.Instance);
    private static readonly TableSchema s_schema = new([s_k, s_s]);

    private static Region R(int? min, int? max) => new([KeyRange.Of(s_k, min, max), KeyRange.Unbounded(s_s)]);

    private static Partition Root(params string[] children) => new("root", null, children, R(null, null), children.Length == 0, children.Length == 0 ? -1 : 0);

    [Fact]
    public void Valid_three_level_tree_passes()
    {
        var tree = new PartitionTree(PartitionsBuilder.FromSplitPoints(s_schema, [1, 2, 3, 4, 5]));

        tree.Validate(s_schema);
        Assert.Equal(6, tree.LeavesUnder("root").Count());
    }

    [Fact]
    public void Gap_between_children_is_caught()
    {
        var tree = new PartitionTree([Root("a", "b"), Partition.Leaf("a", "root", R(null, 5)), Partition.Leaf("b", "root", R(6, null))]);

        Assert.Contains("gap or overlap", Assert.Throws<SleeperException>(() => tree.Validate(s_schema)).Message);
    }

    [Fact]
    public void Overlap_between_children_is_caught()
    {
        var tree = new PartitionTree([Root("a", "b"), Partition.Leaf("a", "root", R(null, 6)), Partition.Leaf("b", "root", R(5, null))]);

        Assert.Contains("root", Assert.Throws<SleeperException>(() => tree.Validate(s_schema)).Message);
    }

    [Fact]
    public void Overlap_with_an_unbounded_child_is_caught()
    {
        var tree = new PartitionTree([Root("a", "b"), Partition.Leaf("a", "root", R(null, null)), Partition.Leaf("b", "root", R(5, null))]);

        Assert.Contains("root", Assert.Throws<SleeperException>(() => tree.Validate(s_schema)).Message);
    }

    [Fact]
    public void Children_that_stop_short_of_the_parent_max_are_caught()
    {
        var tree = new PartitionTree([Root("a", "b"), Partition.Leaf("a", "root", R(null, 5)), Partition.Leaf("b", "root", R(5, 9))]);

        Assert.Contains("do not cover", Assert.Throws<SleeperException>(() => tree.Validate(s_schema)).Message);
    }

    [Fact]
    public void Child_that_differs_from_its_parent_on_another_dimension_is_caught()
    {
        var narrowed = new Region([KeyRange.Of(s_k, 5, null), KeyRange.Of(s_s, "a", null)]);
        var tree = new PartitionTree([Root("a", "b"), Partition.Leaf("a", "root", R(null, 5)), Partition.Leaf("b", "root", narrowed)]);

        Assert.Contains("dimension 1", Assert.Throws<SleeperException>(() => tree.Validate(s_schema)).Message);
    }

    [Fact]
    public void Child_naming_a_parent_that_does_not_list_it_is_caught()
    {
        var tree = new PartitionTree([Root("a", "b"), Partition.Leaf("a", "root", R(null, 5)), Partition.Leaf("b", "root", R(5, null)), Partition.Leaf("c", "a", R(null, 5))]);

        var e = Assert.Throws<SleeperException>(() => tree.Validate(s_schema));

        Assert.Contains("'c'", e.Message);
    }

    [Fact]
    public void Parent_listing_a_missing_child_is_caught()
    {
        var tree = new PartitionTree([Root("a", "b"), Partition.Leaf("a", "root", R(null, 5))]);

        Assert.Contains("'b'", Assert.Throws<SleeperException>(() => tree.Validate(s_schema)).Message);
    }

    [Fact]
    public void Leaf_with_children_and_non_leaf_without_are_caught()
    {
        var leafWithChildren = new PartitionTree([Root("a", "b") with { IsLeaf = true }, Partition.Leaf("a", "root", R(null, 5)), Partition.Leaf("b", "root", R(5, null))]);
        var emptyNonLeaf = new PartitionTree([Root() with { IsLeaf = false }]);

        Assert.Throws<SleeperException>(() => leafWithChildren.Validate(s_schema));
        Assert.Throws<SleeperException>(() => emptyNonLeaf.Validate(s_schema));
    }

    [Fact]
    public void Root_that_does_not_cover_the_whole_key_space_is_caught()
    {
        var tree = new PartitionTree([Partition.Leaf("root", null, R(0, null))]);

        Assert.Contains("root", Assert.Throws<SleeperException>(() => tree.Validate(s_schema)).Message);
    }

    [Fact]
    public void Split_on_a_dimension_the_schema_lacks_is_caught()
    {
        var tree = new PartitionTree([Root("a", "b") with { Dimension = 2 }, Partition.Leaf("a", "root", R(null, 5)), Partition.Leaf("b", "root", R(5, null))]);

        Assert.Contains("dimension 2", Assert.Throws<SleeperException>(() => tree.Validate(s_schema)).Message);
    }

    [Fact]
    public void Two_roots_are_rejected()
    {
        Assert.Throws<SleeperException>(() => new PartitionTree([Root(), Partition.Leaf("other", null, R(null, null))]));
    }

    [Fact]
    public void Ancestors_run_from_parent_to_root()
    {
        var tree = new PartitionTree(PartitionsBuilder.FromSplitPoints(s_schema, [1, 2, 3], NewIds()));
        var leaf = tree.LeafFor(Key.Of(0, ""));

        var ancestors = tree.AncestorsOf(leaf.Id).ToList();

        Assert.Equal(leaf.ParentId, ancestors[0].Id);
        Assert.Equal("root", ancestors[^1].Id);
        Assert.Contains("nope", Assert.Throws<SleeperException>(() => tree.Get("nope")).Message);
    }

    internal static Func<string> NewIds()
    {
        var n = 0;
        return () => $"p{n++}";
    }
}
