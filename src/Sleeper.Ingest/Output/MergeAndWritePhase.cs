using System.Collections.Concurrent;
using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;

namespace Sleeper.Ingest.Output;

/// <summary>Ingest's second phase: merge a range's sorted runs and write them through an output, on two threads.</summary>
internal static class MergeAndWritePhase
{
    private const int MergeBatchRows = 64 * 1024;

    /// <summary>Phase two: one thread merges the sorted runs and finds each row's leaf; another encodes and writes.</summary>
    public static async Task RunAsync(TableSchema schema, IReadOnlyList<IEnumerable<RecordBatch>> inputs, PartitionLocator locator, IIngestOutput output,
        CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var merged = new BlockingCollection<(RecordBatch Batch, int[] LeafOfRow)>(2);
        var merge = Task.Factory.StartNew(() =>
        {
            Thread.CurrentThread.Name = "ingest-merge";
            try
            {
                foreach (var batch in new StreamingBatchMerger(schema, MergeBatchRows).Merge(inputs))
                {
                    try
                    {
                        merged.Add((batch, locator.LocateSorted(batch)), failed.Token);
                    }
                    catch
                    {
                        batch.Dispose();
                        throw;
                    }
                }
            }
            finally
            {
                merged.CompleteAdding();
            }
        }, failed.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            foreach (var (batch, leafOfRow) in merged.GetConsumingEnumerable(failed.Token))
            {
                using (batch)
                {
                    failed.Token.ThrowIfCancellationRequested();
                    await output.WriteAsync(batch, leafOfRow, failed.Token);
                }
            }
            await merge;
        }
        catch
        {
            failed.Cancel();
            try
            {
                await merge;
            }
            catch
            {
                // Stopped by the cancellation; the first failure is the one to report.
            }
            while (merged.TryTake(out var left))
            {
                left.Batch.Dispose();
            }
            throw;
        }
    }

    /// <summary>Waits for every pipeline; the first to fail cancels the others, and its error is the one thrown.</summary>
    public static async Task WhenAllOrFirstFailureAsync(List<Task> pipelines, CancellationTokenSource failed)
    {
        var pending = new List<Task>(pipelines);
        Exception? first = null;
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending);
            pending.Remove(done);
            if (done.IsFaulted || done.IsCanceled)
            {
                var error = done.IsFaulted ? done.Exception!.InnerException! : new OperationCanceledException(failed.Token);
                if (first is null || (first is OperationCanceledException && error is not OperationCanceledException))
                {
                    first = error;
                }
                await failed.CancelAsync();
            }
        }
        if (first is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }
    }
}
