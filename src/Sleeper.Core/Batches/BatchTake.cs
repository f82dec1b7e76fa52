using Apache.Arrow;
using Apache.Arrow.Types;

namespace Sleeper.Core.Batches;

/// <summary>Gathers rows of a batch, in a given order, into a new batch by copying buffers.</summary>
public static class BatchTake
{
    /// <summary>A batch of the rows at <paramref name="indices"/> (which may repeat), in that order.</summary>
    /// <param name="buffers">Where the common columns' buffers come from; new arrays when not given.</param>
    public static RecordBatch Take(RecordBatch batch, ReadOnlySpan<int> indices, BufferRecycler? buffers = null)
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
            // Columns without nulls of the common types are copied straight into their buffers; the rest go
            // through the column builders.
            arrays[c] = (column, column.NullCount == 0) switch
            {
                (Int32Array, true) => TakeFixed<int>(column, indices, buffers),
                (Int64Array, true) => TakeFixed<long>(column, indices, buffers),
                (BinaryArray binary, true) => TakeVariable(binary, indices, buffers),
                _ => TakeWithBuilder(column, indices),
            };
        }
        return new RecordBatch(batch.Schema, arrays, indices.Length);
    }

    private static IArrowArray TakeWithBuilder(IArrowArray column, ReadOnlySpan<int> indices)
    {
        var builder = ColumnBuilder.Create(column.Data.DataType, indices.Length);
        builder.AppendTake(column, indices);
        return builder.Build();
    }

    private static IArrowArray TakeFixed<T>(IArrowArray column, ReadOnlySpan<int> indices, BufferRecycler? buffers)
        where T : unmanaged
    {
        var data = column.Data;
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(data.Buffers[1].Span).Slice(data.Offset, data.Length);
        var bytes = indices.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var output = BufferRecycler.RentOrAllocate(buffers, bytes);
        var target = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(output.AsSpan(0, bytes));
        for (var k = 0; k < indices.Length; k++)
        {
            target[k] = values[indices[k]];
        }
        return ArrowArrayFactory.BuildArray(new ArrayData(data.DataType, indices.Length, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(output.AsMemory(0, bytes))]));
    }

    private static IArrowArray TakeVariable(BinaryArray column, ReadOnlySpan<int> indices, BufferRecycler? buffers)
    {
        var offsets = column.ValueOffsets;
        var values = column.Values;
        long total = 0;
        foreach (var i in indices)
        {
            total += offsets[i + 1] - offsets[i];
        }
        if (total > System.Array.MaxLength)
        {
            throw new InvalidOperationException($"Taking {indices.Length} rows would put {total} bytes in one column; take fewer rows at a time.");
        }
        var offsetBytes = (indices.Length + 1) * sizeof(int);
        var outputOffsets = BufferRecycler.RentOrAllocate(buffers, offsetBytes);
        var outputValues = BufferRecycler.RentOrAllocate(buffers, (int)total);
        var targetOffsets = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(outputOffsets.AsSpan(0, offsetBytes));
        var targetValues = outputValues.AsSpan(0, (int)total);
        var position = 0;
        targetOffsets[0] = 0;
        for (var k = 0; k < indices.Length; k++)
        {
            var start = offsets[indices[k]];
            var length = offsets[indices[k] + 1] - start;
            values.Slice(start, length).CopyTo(targetValues[position..]);
            position += length;
            targetOffsets[k + 1] = position;
        }
        return ArrowArrayFactory.BuildArray(new ArrayData(column.Data.DataType, indices.Length, 0, 0,
            [ArrowBuffer.Empty, new ArrowBuffer(outputOffsets.AsMemory(0, offsetBytes)), new ArrowBuffer(outputValues.AsMemory(0, (int)total))]));
    }
}
