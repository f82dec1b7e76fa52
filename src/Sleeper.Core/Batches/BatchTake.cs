using Apache.Arrow;

namespace Sleeper.Core.Batches;

/// <summary>Gathers rows of a batch, in a given order, into a new batch by copying buffers.</summary>
public static class BatchTake
{
    /// <summary>A batch of the rows at <paramref name="indices"/> (which may repeat), in that order.</summary>
    public static RecordBatch Take(RecordBatch batch, ReadOnlySpan<int> indices)
    {
        foreach (var i in indices)
        {
            if ((uint)i >= (uint)batch.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"Row index {i} is outside a batch of {batch.Length} rows.");
            }
        }
        var arrays = new IArrowArray[batch.ColumnCount];
        for (var c = 0; c < arrays.Length; c++)
        {
            var column = batch.Column(c);
            var builder = ColumnBuilder.Create(column.Data.DataType, indices.Length);
            builder.AppendTake(column, indices);
            arrays[c] = builder.Build();
        }
        return new RecordBatch(batch.Schema, arrays, indices.Length);
    }
}
