using Apache.Arrow;

namespace Sleeper.Core.Batches;

/// <summary>Builds one batch from runs of rows of several batches of the same schema, copying each run's buffers at once.</summary>
public static class BatchInterleave
{
    public static RecordBatch Interleave(Apache.Arrow.Schema schema, IEnumerable<BatchRun> runs)
    {
        var list = runs as IReadOnlyCollection<BatchRun> ?? runs.ToList();
        var builder = new RecordBatchBuilder(schema, list.Sum(r => r.Length));
        foreach (var run in list)
        {
            builder.AppendRows(run.Batch, run.Start, run.Length);
        }
        return builder.Build();
    }
}
