using CsCheck;
using Sleeper.Core.Batches;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Sleeper.Core.Tests.Keys;
using Xunit;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Core.Tests.Partitions;

public class PartitionLocatorTests
{
    private static readonly TableSchema s_schema = new(
        [new Field("n", IntType.Instance), new Field("s", StringType.Instance)],
        [new Field("t", LongType.Instance)],
        [new Field("v", StringType.Instance, true)]);

    private static readonly Gen<int> s_int = Gen.OneOf(Gen.Int[-20, 20], Gen.Const(int.MinValue), Gen.Const(int.MaxValue), Gen.Int);

    /// <summary>A tree made by splitting random leaves on random dimensions at values strictly inside them.</summary>
    internal static PartitionTree RandomTree(TableSchema schema, Random random, int splits, Func<Random, int, object> value)
    {
        var partitions = PartitionsBuilder.SingleRoot(schema).ToDictionary(p => p.Id);
        var next = 0;
        for (var attempt = 0; attempt < splits * 5 && next < splits * 2; attempt++)
        {
            var leaves = partitions.Values.Where(p => p.IsLeaf).ToList();
            var leaf = leaves[random.Next(leaves.Count)];
            var d = random.Next(schema.RowKeyFields.Count);
            var v = value(random, d);
            var range = leaf.Region[d];
            if (!range.Contains(v) || KeyValues.Compare(schema.RowKeyTypes[d], v, range.Min) == 0)
            {
                continue;
            }
            var (parent, left, right) = PartitionsBuilder.Split(leaf, d, v, $"p{next++}", $"p{next++}");
            partitions[parent.Id] = parent;
            partitions[left.Id] = left;
            partitions[right.Id] = right;
        }
        return new PartitionTree(partitions.Values);
    }

    private static object RandomValue(Random random, int dimension) => dimension == 0
        ? random.Next(-20, 21)
        : KeyGens.RandomString(random);

    [Fact]
    public void Locate_agrees_with_the_tree_for_random_trees_and_rows()
    {
        var rows = Gen.Select(s_int, KeyGens.Utf16String).Array[0, 60];
        Gen.Select(Gen.Int, Gen.Int[0, 25], rows).Sample((seed, splits, keys) =>
        {
            var tree = RandomTree(s_schema, new Random(seed), splits, RandomValue);
            tree.Validate(s_schema);
            var builder = new RecordBatchBuilder(s_schema);
            foreach (var (n, s) in keys)
            {
                builder.Append(new Row([n, s, 0L, null]));
            }
            var locator = new PartitionLocator(tree, s_schema);

            var located = locator.Locate(builder.Build());

            Assert.Equal(keys.Length, located.Length);
            for (var i = 0; i < keys.Length; i++)
            {
                var key = Key.Of(keys[i].Item1, keys[i].Item2);
                Assert.Equal(tree.LeafFor(key).Id, locator.Leaves[located[i]].Id);
                Assert.Single(tree.Leaves, l => l.Region.Contains(key));
            }
        }, iter: 300);
    }

    [Fact]
    public void LocateSorted_agrees_with_Locate_on_sorted_batches_whatever_dimensions_were_split()
    {
        var rows = Gen.Select(s_int, KeyGens.Utf16String).Array[0, 80];
        Gen.Select(Gen.Int, Gen.Int[0, 25], Gen.Bool, rows).Sample((seed, splits, firstOnly, keys) =>
        {
            var random = new Random(seed);
            var tree = firstOnly
                ? new PartitionTree(PartitionsBuilder.FromSplitPoints(s_schema,
                    Enumerable.Range(0, splits).Select(_ => random.Next(-20, 21)).Where(v => v != int.MinValue).Distinct().Order().Cast<object>().ToList()))
                : RandomTree(s_schema, random, splits, RandomValue);
            var builder = new RecordBatchBuilder(s_schema);
            foreach (var (n, s) in keys)
            {
                builder.Append(new Row([n, s, 0L, null]));
            }
            using var unsorted = builder.Build();
            using var sorted = BatchTake.Take(unsorted, BatchSorter.SortPermutation(unsorted, s_schema));
            var locator = new PartitionLocator(tree, s_schema);

            Assert.Equal(locator.Locate(sorted), locator.LocateSorted(sorted));
        }, iter: 300);
    }

    [Fact]
    public void Locate_on_a_single_leaf_puts_every_row_in_it()
    {
        var tree = new PartitionTree(PartitionsBuilder.SingleRoot(s_schema));
        var builder = new RecordBatchBuilder(s_schema);
        builder.Append(new Row([1, "a", 0L, null]));
        builder.Append(new Row([2, "b", 0L, "x"]));

        var locator = new PartitionLocator(tree, s_schema);

        Assert.Equal([0, 0], locator.Locate(builder.Build()));
        Assert.Equal("root", Assert.Single(locator.Leaves).Id);
    }

    [Fact]
    public void Locate_splits_byte_array_keys_unsigned()
    {
        var schema = new TableSchema([new Field("b", ByteArrayType.Instance)]);
        var tree = new PartitionTree(PartitionsBuilder.FromSplitPoints(schema, [new byte[] { 0x80 }]));
        var builder = new RecordBatchBuilder(schema);
        builder.Append(new Row([new byte[] { 0x7F, 0xFF }]));
        builder.Append(new Row([new byte[] { 0x80 }]));
        builder.Append(new Row([Array.Empty<byte>()]));

        var locator = new PartitionLocator(tree, schema);
        var leaves = locator.Locate(builder.Build()).Select(i => locator.Leaves[i].Region[0].Min).ToArray();

        Assert.Equal([Array.Empty<byte>(), new byte[] { 0x80 }, Array.Empty<byte>()], leaves.Cast<byte[]>());
    }
}
