using Sleeper.Core.Batches;

namespace Sleeper.Core.Tests.Batches;

public class BatchTakeTests
{
    [Theory]
    [MemberData(nameof(TestData.SchemaNames), MemberType = typeof(TestData))]
    public void Take_gathers_rows_of_every_type_in_order(string schemaName)
    {
        var schema = TestData.Named(schemaName);
        var random = new Random(5);
        for (var run = 0; run < 50; run++)
        {
            var rows = TestData.RandomRows(random, schema, 1 + random.Next(80));
            var batch = TestData.ToBatch(schema, rows);
            var indices = Enumerable.Range(0, random.Next(120)).Select(_ => random.Next(rows.Count)).ToArray();

            var taken = BatchTake.Take(batch, indices);

            TestData.AssertRowsEqual(indices.Select(i => rows[i]).ToList(), TestData.ToRows(taken, schema));
        }
    }

    [Fact]
    public void Take_reads_a_sliced_batch_at_its_offset()
    {
        var schema = TestData.EveryType;
        var rows = TestData.RandomRows(new Random(8), schema, 50);
        var slice = TestData.ToBatch(schema, rows).Slice(13, 20);

        var taken = BatchTake.Take(slice, [19, 0, 7, 7]);

        TestData.AssertRowsEqual([rows[32], rows[13], rows[20], rows[20]], TestData.ToRows(taken, schema));
    }

    [Fact]
    public void Take_of_no_rows_gives_an_empty_batch_of_the_same_schema()
    {
        var batch = TestData.ToBatch(TestData.EveryType, TestData.RandomRows(new Random(1), TestData.EveryType, 5));
        var taken = BatchTake.Take(batch, []);
        Assert.Equal(0, taken.Length);
        Assert.Same(batch.Schema, taken.Schema);
    }

    [Fact]
    public void Take_rejects_an_index_outside_the_batch()
    {
        var batch = TestData.ToBatch(TestData.Standard, [new Row(["k", 1L, "v"])]);
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchTake.Take(batch, [1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchTake.Take(batch, [-1]));
    }

    [Fact]
    public void Interleave_joins_runs_of_several_batches()
    {
        var schema = TestData.EveryType;
        var random = new Random(4);
        var a = TestData.RandomRows(random, schema, 10);
        var b = TestData.RandomRows(random, schema, 10);
        var batchA = TestData.ToBatch(schema, a);
        var batchB = TestData.ToBatch(schema, b);

        var result = BatchInterleave.Interleave(batchA.Schema, [new(batchA, 0, 3), new(batchB, 5, 5), new(batchA, 9, 1), new(batchB, 0, 0)]);

        TestData.AssertRowsEqual([.. a.Take(3), .. b.Skip(5), a[9]], TestData.ToRows(result, schema));
    }
}
