using System.Collections.Concurrent;
using Apache.Arrow;
using Sleeper.Core;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;

namespace Sleeper.Ingest.Spill;

/// <summary>Ingest's first phase: read the input, sort it in batches on every core, and hold or spill the sorted batches.</summary>
internal static class ReadAndSortPhase
{
    /// <summary>
    /// Phase one: a reader thread pulls batches from the inputs while this one sorts them, counts each leaf's
    /// rows and hands them to the sorter, which spills when its budget is full.
    /// </summary>
    public static async Task<long> RunAsync(TableSchema schema, IEnumerable<RecordBatch> batches, SpillingSorter sorter, PartitionLocator locator, long[] rowsPerLeaf,
        IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var read = new BlockingCollection<RecordBatch>(1);
        var reader = Task.Factory.StartNew(() =>
        {
            Thread.CurrentThread.Name = "ingest-read";
            try
            {
                foreach (var batch in batches)
                {
                    try
                    {
                        read.Add(batch, failed.Token);
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
                read.CompleteAdding();
            }
        }, failed.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        // Sorting is the heaviest step of this phase, so batches are sorted on several threads at once; they are
        // handed to the sorter in the order they were read, so rows with equal keys keep their input order.
        var sorting = new Queue<Task<RecordBatch>>();
        var inFlight = Math.Max(1, Environment.ProcessorCount);
        long rows = 0;
        async Task HoldAsync(RecordBatch sorted)
        {
            foreach (var leaf in locator.LocateSorted(sorted))
            {
                rowsPerLeaf[leaf]++;
            }
            rows += sorted.Length;
            await sorter.HoldAsync(sorted);
            progress?.Report(rows);
        }
        try
        {
            foreach (var batch in read.GetConsumingEnumerable(failed.Token))
            {
                if (batch.Length == 0 || failed.IsCancellationRequested)
                {
                    batch.Dispose();
                    failed.Token.ThrowIfCancellationRequested();
                    continue;
                }
                try
                {
                    CheckNoNullKeys(schema, batch);
                }
                catch
                {
                    batch.Dispose();
                    throw;
                }
                // Not cancellable once queued, so the batch is always disposed by the task that owns it.
                sorting.Enqueue(Task.Run(() =>
                {
                    using (batch)
                    {
                        return sorter.Sort(batch);
                    }
                }, CancellationToken.None));
                if (sorting.Count >= inFlight)
                {
                    await HoldAsync(await sorting.Dequeue());
                }
            }
            while (sorting.Count > 0)
            {
                await HoldAsync(await sorting.Dequeue());
            }
            await reader;
            return rows;
        }
        catch
        {
            failed.Cancel();
            while (sorting.Count > 0)
            {
                try
                {
                    (await sorting.Dequeue()).Dispose();
                }
                catch
                {
                    // The first failure is the one to report.
                }
            }
            try
            {
                await reader;
            }
            catch
            {
                // The reader stops on the cancellation; the first failure is the one to report.
            }
            while (read.TryTake(out var left))
            {
                left.Dispose();
            }
            throw;
        }
    }

    private static void CheckNoNullKeys(TableSchema schema, RecordBatch batch)
    {
        for (var i = 0; i < schema.KeyFieldCount; i++)
        {
            if (batch.Column(i).NullCount > 0)
            {
                throw new RowValidationException($"Key field '{schema.AllFields[i].Name}' is null in {batch.Column(i).NullCount} row(s); key fields must have a value.");
            }
        }
    }
}
