using Apache.Arrow;

namespace Sleeper.Core.Batches;

/// <summary>
/// Builds one batch from runs of rows of several batches of the same schema, column by column: each column's
/// builder copies every run in turn while its buffers are hot in cache.
/// </summary>
public static class BatchGather
{
    /// <param name="totalRows">The sum of the runs' lengths, so buffers are sized once.</param>
    public static RecordBatch Gather(Apache.Arrow.Schema schema, IReadOnlyList<BatchRun> runs, int totalRows)
    {
        var arrays = new IArrowArray[schema.FieldsList.Count];
        for (var c = 0; c < arrays.Length; c++)
        {
            var builder = ColumnBuilder.Create(schema.GetFieldByIndex(c).DataType, totalRows);
            foreach (var run in runs)
            {
                builder.AppendRange(run.Batch.Column(c), run.Start, run.Length);
            }
            if (builder.Length != totalRows)
            {
                throw new ArgumentException($"The runs hold {builder.Length} rows, not the {totalRows} stated.", nameof(totalRows));
            }
            arrays[c] = builder.Build();
        }
        return new RecordBatch(schema, arrays, totalRows);
    }
}
