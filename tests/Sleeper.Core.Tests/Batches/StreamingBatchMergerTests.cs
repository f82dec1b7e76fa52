using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Tests.Batches;

public class StreamingBatchMergerTests
{
    [Theory]
    [MemberData(nameof(TestData.SchemaNames), MemberType = typeof(TestData))]
    public void Merging_sorted_inputs_equals_concatenating_them_and_sorting_stably(string schemaName)
    {
        var schema = TestData.Named(schemaName);
        var random = new Random(29);
        var order = TestData.KeyOrder(schema);
        for (var run = 0; run < 80; run++)
        {
            var inputRows = Enumerable.Range(0, random.Next(12))
                .Select(_ => TestData.RandomRows(random, schema, random.Next(60)).Order(order).ToList())
                .ToList();
            var maxBatchRows = 1 + random.Next(40);

            var output = new StreamingBatchMerger(schema, maxBatchRows).Merge(inputRows.Select(rows => InBatches(random, schema, rows)).ToList()).ToList();

            var expected = inputRows.SelectMany(rows => rows).OrderBy(r => r, order).ToList();
            TestData.AssertRowsEqual(expected, output.SelectMany(b => TestData.ToRows(b, schema)).ToList());
            Assert.All(output.SkipLast(1), b => Assert.Equal(maxBatchRows, b.Length));
            Assert.All(output, b => Assert.InRange(b.Length, 1, maxBatchRows));
        }
    }

    [Fact]
    public void Merging_no_inputs_or_only_empty_ones_gives_no_batches()
    {
        var schema = TestData.Standard;
        var merger = new StreamingBatchMerger(schema, 10);
        Assert.Empty(merger.Merge([]));
        Assert.Empty(merger.Merge([[], [TestData.ToBatch(schema, [])]]));
    }

    [Fact]
    public void Merging_reads_each_input_one_batch_at_a_time()
    {
        var schema = TestData.IntOnly;
        var pulled = new int[2];
        IEnumerable<RecordBatch> Input(int input, int first)
        {
            for (var b = 0; b < 100; b++)
            {
                pulled[input]++;
                yield return TestData.ToBatch(schema, [new Row([first + (2 * b)])]);
            }
        }

        using var merged = new StreamingBatchMerger(schema, 4).Merge([Input(0, 0), Input(1, 1)]).GetEnumerator();
        Assert.True(merged.MoveNext());

        Assert.Equal([0, 1, 2, 3], TestData.ToRows(merged.Current, schema).Select(r => (int)r[0]!));
        Assert.All(pulled, count => Assert.InRange(count, 1, 3));
    }

    private static IEnumerable<RecordBatch> InBatches(Random random, TableSchema schema, List<Row> rows)
    {
        var batches = new List<RecordBatch>();
        var start = 0;
        while (start < rows.Count)
        {
            var size = random.Next(3) == 0 ? 0 : 1 + random.Next(25);
            batches.Add(TestData.ToBatch(schema, rows.Skip(start).Take(size)));
            start += size;
        }
        return batches;
    }
}
