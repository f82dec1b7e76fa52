using Apache.Arrow;
using Sleeper.Core.Batches;

namespace Sleeper.Core.Tests.Batches;

public class BufferRecyclerTests
{
    [Fact]
    public void Batches_built_again_and_again_in_recycled_arrays_hold_exactly_their_own_rows()
    {
        var schema = TestData.Standard;
        var arrowSchema = ArrowSchemas.ToArrow(schema);
        var random = new Random(11);
        var recycler = new BufferRecycler();
        RecordBatch? previous = null;
        for (var round = 0; round < 6; round++)
        {
            // Big enough that every column's buffers are worth recycling.
            var rows = TestData.RandomRows(random, schema, 20_000 + random.Next(3_000));
            var source = TestData.ToBatch(schema, rows);
            var runs = new[] { new SourceRun(0, 5_000, rows.Count - 5_000), new SourceRun(0, 0, 5_000) };
            var gathered = BatchGather.Gather(arrowSchema, [source], runs, rows.Count, recycler);
            if (previous is not null)
            {
                recycler.Recycle(previous);
            }
            var indices = Enumerable.Range(0, rows.Count).Select(_ => random.Next(rows.Count)).ToArray();
            var taken = BatchTake.Take(gathered, indices, recycler);
            recycler.Recycle(gathered);

            var expectedGathered = rows.Skip(5_000).Concat(rows.Take(5_000)).ToList();
            TestData.AssertRowsEqual(indices.Select(i => expectedGathered[i]).ToList(), TestData.ToRows(taken, schema));
            previous = taken;
        }
        Assert.True(recycler.Bytes > 0, "Nothing was held for reuse.");
    }

    [Fact]
    public void Rent_reuses_the_smallest_recycled_array_that_fits_and_makes_a_new_one_when_none_does()
    {
        var recycler = new BufferRecycler();
        var small = recycler.Rent(100_000);
        var large = recycler.Rent(400_000);
        recycler.Recycle(BatchOver(small, large));
        // Recycling the same arrays twice holds them once.
        recycler.Recycle(BatchOver(small, large));
        Assert.Equal(small.Length + large.Length, recycler.Bytes);

        Assert.Same(small, recycler.Rent(90_000));
        Assert.Same(large, recycler.Rent(90_000));
        var fresh = recycler.Rent(90_000);
        Assert.NotSame(small, fresh);
        Assert.NotSame(large, fresh);
        Assert.Equal(0, recycler.Bytes);
    }

    [Fact]
    public void Arrays_too_small_to_matter_are_left_to_the_collector_and_at_most_the_limit_are_held()
    {
        var recycler = new BufferRecycler(maxArrays: 2);
        recycler.Recycle(BatchOver(new byte[BufferRecycler.MinimumBytes - 1]));
        Assert.Equal(0, recycler.Bytes);

        var arrays = new[] { 70_000, 90_000, 80_000 }.Select(n => new byte[n]).ToArray();
        recycler.Recycle(BatchOver(arrays));
        Assert.Equal(170_000, recycler.Bytes);
        Assert.Same(arrays[2], recycler.Rent(75_000));
    }

    private static RecordBatch BatchOver(params byte[][] arrays)
    {
        var columns = arrays.Select(a => (IArrowArray)new BinaryArray(new Apache.Arrow.Types.BinaryType(), 0,
            new ArrowBuffer(new byte[sizeof(int)]), new ArrowBuffer(a), ArrowBuffer.Empty)).ToArray();
        var fields = columns.Select((_, i) => new Field($"c{i}", new Apache.Arrow.Types.BinaryType(), nullable: false));
        return new RecordBatch(new Apache.Arrow.Schema(fields, null), columns, 0);
    }
}
