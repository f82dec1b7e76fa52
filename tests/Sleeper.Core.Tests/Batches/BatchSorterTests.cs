using Sleeper.Core.Batches;

namespace Sleeper.Core.Tests.Batches;

public class BatchSorterTests
{
    [Theory]
    [MemberData(nameof(TestData.SchemaNames), MemberType = typeof(TestData))]
    public void Sorting_a_batch_orders_its_rows_like_sorting_the_rows_by_key(string schemaName)
    {
        var schema = TestData.Named(schemaName);
        var random = new Random(schemaName.GetHashCode(StringComparison.Ordinal));
        var order = TestData.KeyOrder(schema);
        for (var run = 0; run < 60; run++)
        {
            var rows = TestData.RandomRows(random, schema, run == 0 ? 3000 : random.Next(200));
            var batch = TestData.ToBatch(schema, rows);

            var permutation = BatchSorter.SortPermutation(batch, schema);

            Assert.Equal(Enumerable.Range(0, rows.Count), permutation.Order());
            var sorted = TestData.ToRows(BatchTake.Take(batch, permutation), schema);
            for (var i = 1; i < sorted.Count; i++)
            {
                Assert.True(order.Compare(sorted[i - 1], sorted[i]) <= 0, $"Rows {i - 1} and {i} are out of order: {sorted[i - 1]} then {sorted[i]}.");
            }
            var expectedKeys = rows.Order(order).Select(r => TestData.KeyOf(r, schema.KeyFieldCount)).ToList();
            var actualKeys = sorted.Select(r => TestData.KeyOf(r, schema.KeyFieldCount)).ToList();
            Assert.Equal(expectedKeys.Count, actualKeys.Count);
            for (var i = 0; i < expectedKeys.Count; i++)
            {
                Assert.True(new Row(expectedKeys[i]).Equals(new Row(actualKeys[i])), $"Key {i} differs.");
            }
        }
    }

    [Fact]
    public void Keys_that_share_a_long_prefix_are_ordered_on_the_whole_key_and_then_the_sort_key()
    {
        var schema = TestData.Standard;
        Row[] rows =
        [
            new(["prefix-00000-b", 2L, "x"]),
            new(["prefix-00000-a", 9L, "x"]),
            new(["prefix-00000", 5L, "x"]),
            new(["prefix-00000-b", 1L, "x"]),
            new(["prefix-0000\0", 0L, "x"]),
            new(["prefix-0000", 0L, "x"]),
        ];
        var batch = TestData.ToBatch(schema, rows);
        var sorted = TestData.ToRows(BatchTake.Take(batch, BatchSorter.SortPermutation(batch, schema)), schema);
        Assert.Equal(
            ["prefix-0000/0", "prefix-0000\0/0", "prefix-00000/5", "prefix-00000-a/9", "prefix-00000-b/1", "prefix-00000-b/2"],
            sorted.Select(r => $"{r[0]}/{r[1]}"));
    }

    [Fact]
    public void Sorting_empty_and_single_row_batches_gives_the_identity()
    {
        var schema = TestData.Standard;
        Assert.Empty(BatchSorter.SortPermutation(TestData.ToBatch(schema, []), schema));
        Assert.Equal([0], BatchSorter.SortPermutation(TestData.ToBatch(schema, [new Row(["k", 1L, "v"])]), schema));
    }
}
