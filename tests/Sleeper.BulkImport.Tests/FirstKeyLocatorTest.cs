using Apache.Arrow;
using Sleeper.BulkImport.Partitioning;
using Sleeper.Core.Batches;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.BulkImport.Tests;

public sealed class FirstKeyLocatorTest
{
    [Fact]
    public void String_keys_go_to_the_same_leaves_as_a_walk_of_the_tree_including_keys_on_boundaries_and_sharing_long_prefixes()
    {
        var schema = TestTable.Schema;
        var tree = new PartitionTree(PartitionsBuilder.FromSplitPoints(schema, ["abcdefgh", "abcdefgh\u0001", "abcdefghz", "m", "zz"]));
        var keys = new[] { "", "a", "abcdefg", "abcdefgh", "abcdefgh\u0000", "abcdefgh\u0001", "abcdefgh\u0002", "abcdefghy", "abcdefghz", "abcdefgi", "l", "m", "m0", "zz", "zzz", "é" }
            .Concat(TestTable.Rows(2000, seed: 21).Select(r => r.Key)).ToList();
        using var batch = KeyBatch(keys);

        var fast = new FirstKeyLocator(tree, schema);

        Assert.Equal(new PartitionLocator(tree, schema).Locate(batch), fast.Locate(batch));
        for (var row = 0; row < keys.Count; row++)
        {
            Assert.True(fast.Leaves[fast.Locate(batch)[row]].Region[0].Contains(keys[row]), $"key '{keys[row]}'");
        }
    }

    [Fact]
    public void Random_string_keys_and_split_points_from_a_small_alphabet_go_to_the_same_leaves_as_a_walk_of_the_tree()
    {
        // Short strings of few letters: many split points and keys share their first two bytes, or are shorter than two.
        var schema = TestTable.Schema;
        var random = new Random(31);
        string RandomKey() => new(Enumerable.Range(0, random.Next(0, 5)).Select(_ => "ab\u0000\u00ff"[random.Next(4)]).ToArray());
        for (var round = 0; round < 200; round++)
        {
            var points = Enumerable.Range(0, random.Next(1, 40)).Select(_ => RandomKey()).Where(k => k.Length > 0)
                .Distinct().OrderBy(k => System.Text.Encoding.UTF8.GetBytes(k), Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y)))
                .Cast<object>().ToList();
            var tree = new PartitionTree(PartitionsBuilder.FromSplitPoints(schema, points));
            var keys = Enumerable.Range(0, 300).Select(_ => RandomKey()).Concat(points.Cast<string>()).ToList();
            using var batch = KeyBatch(keys);

            Assert.Equal(new PartitionLocator(tree, schema).Locate(batch), new FirstKeyLocator(tree, schema).Locate(batch));
        }
    }

    [Fact]
    public void Long_keys_go_to_the_leaf_whose_range_holds_them()
    {
        var schema = new TableSchema([new Field("id", LongType.Instance)], [], []);
        var tree = new PartitionTree(PartitionsBuilder.FromSplitPoints(schema, [-10L, 0L, 10L]));
        var values = new[] { long.MinValue, -11L, -10L, -1L, 0L, 9L, 10L, long.MaxValue };
        using var batch = new RecordBatch(ArrowSchemas.ToArrow(schema), [new Int64Array.Builder().AppendRange(values).Build()], values.Length);

        var fast = new FirstKeyLocator(tree, schema);
        var leaves = fast.Locate(batch);

        Assert.Equal(new PartitionLocator(tree, schema).Locate(batch), leaves);
        Assert.Equal(4, leaves.Distinct().Count());
        for (var row = 0; row < values.Length; row++)
        {
            Assert.True(fast.Leaves[leaves[row]].Region[0].Contains(values[row]));
        }
    }

    /// <summary>A batch of the test table with these keys, and an empty timestamp and value.</summary>
    private static RecordBatch KeyBatch(IReadOnlyCollection<string> keys)
    {
        var builder = new RecordBatchBuilder(TestTable.Schema, keys.Count);
        foreach (var key in keys)
        {
            builder.AppendUtf8(0, System.Text.Encoding.UTF8.GetBytes(key));
            builder.AppendInt64(1, 0);
            builder.AppendUtf8(2, []);
            builder.EndRow();
        }
        return builder.Build();
    }
}
