using System.Buffers;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace Sleeper.Core.Batches;

/// <summary>
/// Builds one batch from runs of rows of several batches of the same schema, column by column. A merge of
/// interleaved inputs makes runs of a row or two, so the common columns (ints, longs, strings and byte arrays
/// without nulls) are copied through pointers to buffers pinned once per batch, not through per-run builder
/// calls; other columns go through the column builders.
/// </summary>
public static class BatchGather
{
    /// <param name="totalRows">The sum of the runs' lengths, so buffers are sized once.</param>
    public static RecordBatch Gather(Apache.Arrow.Schema schema, IReadOnlyList<BatchRun> runs, int totalRows)
    {
        var sources = new List<RecordBatch>();
        var indexOf = new Dictionary<RecordBatch, int>(ReferenceEqualityComparer.Instance);
        var sourceRuns = new SourceRun[runs.Count];
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            if (!indexOf.TryGetValue(run.Batch, out var index))
            {
                index = sources.Count;
                indexOf.Add(run.Batch, index);
                sources.Add(run.Batch);
            }
            sourceRuns[i] = new SourceRun(index, run.Start, run.Length);
        }
        return Gather(schema, sources, sourceRuns, totalRows);
    }

    /// <param name="totalRows">The sum of the runs' lengths, so buffers are sized once.</param>
    /// <param name="buffers">Where the common columns' buffers come from; new arrays when not given.</param>
    public static RecordBatch Gather(Apache.Arrow.Schema schema, IReadOnlyList<RecordBatch> sources, ReadOnlySpan<SourceRun> runs, int totalRows,
        BufferRecycler? buffers = null)
    {
        long rows = 0;
        foreach (var run in runs)
        {
            if ((uint)run.Source >= (uint)sources.Count || run.Start < 0 || run.Length < 0 || run.Start + run.Length > sources[run.Source].Length)
            {
                throw new ArgumentOutOfRangeException(nameof(runs), $"Run {run} is outside its source batch.");
            }
            rows += run.Length;
        }
        if (rows != totalRows)
        {
            throw new ArgumentException($"The runs hold {rows} rows, not the {totalRows} stated.", nameof(totalRows));
        }
        var arrays = new IArrowArray[schema.FieldsList.Count];
        for (var c = 0; c < arrays.Length; c++)
        {
            var type = schema.GetFieldByIndex(c).DataType;
            var noNulls = true;
            foreach (var source in sources)
            {
                noNulls &= source.Column(c).NullCount == 0;
            }
            arrays[c] = (type, noNulls) switch
            {
                (Int32Type, true) => GatherFixed<int>(type, c, sources, runs, totalRows, buffers),
                (Int64Type, true) => GatherFixed<long>(type, c, sources, runs, totalRows, buffers),
                (Apache.Arrow.Types.StringType or BinaryType, true) => GatherVariable(type, c, sources, runs, totalRows, buffers),
                _ => GatherWithBuilder(type, c, sources, runs, totalRows),
            };
        }
        return new RecordBatch(schema, arrays, totalRows);
    }

    private static IArrowArray GatherWithBuilder(IArrowType type, int column, IReadOnlyList<RecordBatch> sources, ReadOnlySpan<SourceRun> runs, int totalRows)
    {
        var builder = ColumnBuilder.Create(type, totalRows);
        foreach (var run in runs)
        {
            builder.AppendRange(sources[run.Source].Column(column), run.Start, run.Length);
        }
        return builder.Build();
    }

    private static unsafe IArrowArray GatherFixed<T>(IArrowType type, int column, IReadOnlyList<RecordBatch> sources, ReadOnlySpan<SourceRun> runs, int totalRows,
        BufferRecycler? buffers)
        where T : unmanaged
    {
        var handles = new MemoryHandle[sources.Count];
        var values = new nint[sources.Count];
        try
        {
            for (var s = 0; s < sources.Count; s++)
            {
                var data = sources[s].Column(column).Data;
                handles[s] = data.Buffers[1].Memory.Pin();
                values[s] = (nint)((T*)handles[s].Pointer + data.Offset);
            }
            var bytes = totalRows * sizeof(T);
            var output = BufferRecycler.RentOrAllocate(buffers, bytes);
            fixed (byte* start = output)
            {
                var target = (T*)start;
                foreach (var run in runs)
                {
                    var from = (T*)values[run.Source] + run.Start;
                    if (run.Length == 1)
                    {
                        *target = *from;
                    }
                    else
                    {
                        Buffer.MemoryCopy(from, target, (long)run.Length * sizeof(T), (long)run.Length * sizeof(T));
                    }
                    target += run.Length;
                }
            }
            return ArrowArrayFactory.BuildArray(new ArrayData(type, totalRows, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer(output.AsMemory(0, bytes))]));
        }
        finally
        {
            foreach (var handle in handles)
            {
                handle.Dispose();
            }
        }
    }

    private static unsafe IArrowArray GatherVariable(IArrowType type, int column, IReadOnlyList<RecordBatch> sources, ReadOnlySpan<SourceRun> runs, int totalRows,
        BufferRecycler? buffers)
    {
        var handles = new MemoryHandle[sources.Count * 2];
        var offsets = new nint[sources.Count];
        var values = new nint[sources.Count];
        try
        {
            for (var s = 0; s < sources.Count; s++)
            {
                var data = sources[s].Column(column).Data;
                handles[2 * s] = data.Buffers[1].Memory.Pin();
                handles[(2 * s) + 1] = data.Buffers[2].Memory.Pin();
                offsets[s] = (nint)((int*)handles[2 * s].Pointer + data.Offset);
                values[s] = (nint)handles[(2 * s) + 1].Pointer;
            }
            long totalBytes = 0;
            foreach (var run in runs)
            {
                var from = (int*)offsets[run.Source] + run.Start;
                totalBytes += from[run.Length] - from[0];
            }
            if (totalBytes > System.Array.MaxLength)
            {
                throw new InvalidOperationException($"Gathering {totalRows} rows would put {totalBytes} bytes in one column; gather fewer rows at a time.");
            }
            var offsetBytesLength = (totalRows + 1) * sizeof(int);
            var outputOffsets = BufferRecycler.RentOrAllocate(buffers, offsetBytesLength);
            var outputValues = BufferRecycler.RentOrAllocate(buffers, (int)totalBytes);
            fixed (byte* offsetBytes = outputOffsets)
            fixed (byte* valueBytes = outputValues)
            {
                var targetOffsets = (int*)offsetBytes;
                var position = 0;
                var row = 0;
                targetOffsets[0] = 0;
                foreach (var run in runs)
                {
                    var from = (int*)offsets[run.Source] + run.Start;
                    var first = from[0];
                    var length = from[run.Length] - first;
                    Buffer.MemoryCopy((byte*)values[run.Source] + first, valueBytes + position, length, length);
                    var shift = position - first;
                    for (var i = 1; i <= run.Length; i++)
                    {
                        targetOffsets[row + i] = from[i] + shift;
                    }
                    row += run.Length;
                    position += length;
                }
            }
            return ArrowArrayFactory.BuildArray(new ArrayData(type, totalRows, 0, 0,
                [ArrowBuffer.Empty, new ArrowBuffer(outputOffsets.AsMemory(0, offsetBytesLength)), new ArrowBuffer(outputValues.AsMemory(0, (int)totalBytes))]));
        }
        finally
        {
            foreach (var handle in handles)
            {
                handle.Dispose();
            }
        }
    }
}
