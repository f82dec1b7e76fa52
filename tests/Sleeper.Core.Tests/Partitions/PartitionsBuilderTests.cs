using CsCheck;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Xunit;

namespace Sleeper.Core.Tests.Partitions;

public class PartitionsBuilderTests
{
    private static readonly TableSchema s_ints = new([new Field("k", IntType.Instance), new Field("s", StringType.Instance)]);
    private static readonly TableSchema s_strings = new([new Field("k", StringType.Instance)]);
    private static readonly TableSchema s_bytes = new([new Field("k", ByteArrayType.Instance)]);

    [Fact]
    public void Leaves_from_random_split_points_tile_the_key_space()
    {
        var gen = Gen.Int[-1000, 1000].Array[0, 40].Select(a => a.Distinct().Where(x => x != int.MinValue).Order().ToArray());
        Gen.Select(gen, Gen.Int.Array[1, 20]).Sample((points, keys) =>
        {
            var partitions = PartitionsBuilder.FromSplitPoints(s_ints, points.Cast<object>().ToList());
            var tree = new PartitionTree(partitions);
            tree.Validate(s_ints);

            Assert.Equal(points.Length + 1, tree.Leaves.Count);
            Assert.Equal(PartitionsBuilder.RootId, tree.Root.Id);
            Assert.Equal(Region.Whole(s_ints), tree.Root.Region);
            foreach (var k in keys.Concat(points).Concat([int.MinValue, int.MaxValue]))
            {
                var key = Key.Of(k, "x");
                var holding = tree.Leaves.Where(l => l.Region.Contains(key)).ToList();
                Assert.Single(holding);
                Assert.Equal(holding[0].Id, tree.LeafFor(key).Id);
            }
        }, iter: 500);
    }

    [Fact]
    public void Tree_from_split_points_is_balanced()
    {
        var points = Enumerable.Range(1, 15).Cast<object>().ToList();
        var tree = new PartitionTree(PartitionsBuilder.FromSplitPoints(s_ints, points));

        Assert.All(tree.Leaves, l => Assert.Equal(4, tree.AncestorsOf(l.Id).Count()));
        Assert.Equal(31, tree.All.Count);
    }

    [Fact]
    public void No_split_points_give_a_single_root_leaf()
    {
        var partitions = PartitionsBuilder.FromSplitPoints(s_ints, []);

        var root = Assert.Single(partitions);
        Assert.True(root.IsLeaf);
        Assert.Null(root.ParentId);
        Assert.Equal(Region.Whole(s_ints), root.Region);
    }

    [Fact]
    public void String_and_byte_array_split_points_build_valid_trees()
    {
        var strings = PartitionsBuilder.FromSplitPoints(s_strings, ["b", "z", "é", "\uFFFD", "\U0001F600"]);
        var bytes = PartitionsBuilder.FromSplitPoints(s_bytes, [new byte[] { 0 }, new byte[] { 0x7F }, new byte[] { 0x80 }]);

        new PartitionTree(strings).Validate(s_strings);
        new PartitionTree(bytes).Validate(s_bytes);
        Assert.Equal("é", new PartitionTree(strings).LeafFor(Key.Of("ë")).Region[0].Min);
    }

    [Theory]
    [InlineData(new[] { 5, 3 }, "point 2")]
    [InlineData(new[] { 1, 5, 5 }, "point 3")]
    [InlineData(new[] { int.MinValue, 5 }, "point 1")]
    public void Bad_int_split_points_are_rejected_naming_the_point(int[] points, string which)
    {
        var e = Assert.Throws<SleeperException>(() => PartitionsBuilder.FromSplitPoints(s_ints, points.Cast<object>().ToList()));

        Assert.Contains(which, e.Message);
    }

    [Fact]
    public void Split_points_in_utf16_order_but_not_utf8_order_are_rejected()
    {
        var e = Assert.Throws<SleeperException>(() => PartitionsBuilder.FromSplitPoints(s_strings, ["\U0001F600", "\uFFFD"]));

        Assert.Contains("strictly increasing", e.Message);
    }

    [Fact]
    public void Split_point_of_the_wrong_type_is_rejected_naming_the_type_and_field()
    {
        var e = Assert.Throws<SleeperException>(() => PartitionsBuilder.FromSplitPoints(s_ints, [1, 2L]));

        Assert.Contains("point 2", e.Message);
        Assert.Contains("IntType", e.Message);
        Assert.Contains("'k'", e.Message);
    }

    [Fact]
    public void Duplicate_partition_ids_are_rejected_naming_the_id()
    {
        var root = PartitionsBuilder.SingleRoot(s_ints)[0];

        Assert.Contains("'root'", Assert.Throws<SleeperException>(() => new PartitionTree([root, root])).Message);
    }

    [Fact]
    public void Minimum_value_split_points_are_rejected_for_every_type()
    {
        Assert.Contains("smallest", Assert.Throws<SleeperException>(() => PartitionsBuilder.FromSplitPoints(s_strings, [""])).Message);
        Assert.Contains("smallest", Assert.Throws<SleeperException>(() => PartitionsBuilder.FromSplitPoints(s_bytes, [Array.Empty<byte>()])).Message);
    }

    [Fact]
    public void Split_gives_children_that_cover_the_parent_on_the_split_dimension()
    {
        var root = PartitionsBuilder.SingleRoot(s_ints)[0];
        var (parent, left, right) = PartitionsBuilder.Split(root, 1, "m", "L", "R");
        var tree = new PartitionTree([parent, left, right]);

        tree.Validate(s_ints);
        Assert.False(parent.IsLeaf);
        Assert.Equal(1, parent.Dimension);
        Assert.Equal(["L", "R"], parent.ChildIds);
        Assert.Equal("L", tree.LeafFor(Key.Of(int.MaxValue, "l")).Id);
        Assert.Equal("R", tree.LeafFor(Key.Of(int.MinValue, "m")).Id);
        Assert.Equal(root.Region[0], left.Region[0]);
        Assert.Equal(root.Region[0], right.Region[0]);
    }

    [Theory]
    [InlineData(int.MinValue)]
    [InlineData(10)]
    [InlineData(20)]
    public void Split_at_or_outside_the_edges_of_the_leaf_is_rejected(int at)
    {
        var root = PartitionsBuilder.SingleRoot(s_ints)[0];
        var (_, left, _) = PartitionsBuilder.Split(root, 0, 20, "L", "R");
        var (_, l2, _) = PartitionsBuilder.Split(left, 0, 10, "LL", "LR");
        var target = at == int.MinValue ? l2 : left with { Region = new Region([KeyRange.Of(s_ints.RowKeyFields[0], 10, 20), left.Region[1]]) };

        var e = Assert.Throws<SleeperException>(() => PartitionsBuilder.Split(target, 0, at, "a", "b"));

        Assert.Contains(target.Id, e.Message);
    }

    [Fact]
    public void Split_value_of_the_wrong_type_is_rejected()
    {
        var root = PartitionsBuilder.SingleRoot(s_ints)[0];

        Assert.Throws<SleeperException>(() => PartitionsBuilder.Split(root, 1, 5, "a", "b"));
    }
}
