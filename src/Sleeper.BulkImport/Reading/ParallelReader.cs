using Apache.Arrow;
using Sleeper.Core.Schema;

namespace Sleeper.BulkImport.Reading;

/// <summary>
/// Reads a plan's units on several threads: each thread takes the next unread unit until none is left and hands
/// every batch to its own consumer, so consumers need no locks. The first failure cancels the other threads.
/// </summary>
public static class ParallelReader
{
    /// <param name="consume">Called on worker <c>w</c>'s thread with each batch it read; it owns the batch.</param>
    public static Task RunAsync(IReadOnlyList<ReadUnit> units, int parallelism, TableSchema schema, int batchRows, bool firstKeyOnly,
        Func<int, RecordBatch, CancellationToken, ValueTask> consume, CancellationToken cancellationToken) =>
        RunAsync(units, parallelism, schema, batchRows, _ => firstKeyOnly, (worker, _, _, batch, token) => consume(worker, batch, token), cancellationToken);

    /// <param name="firstKeyOnly">Asked as each unit starts: read only its first row key column?</param>
    /// <param name="consume">Called with the worker, the unit's index, whether only the first key was read, and the batch, which it owns.</param>
    public static async Task RunAsync(IReadOnlyList<ReadUnit> units, int parallelism, TableSchema schema, int batchRows, Func<int, bool> firstKeyOnly,
        Func<int, int, bool, RecordBatch, CancellationToken, ValueTask> consume, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var next = -1;
        async Task WorkAsync(int worker)
        {
            try
            {
                int unit;
                while ((unit = Interlocked.Increment(ref next)) < units.Count)
                {
                    failed.Token.ThrowIfCancellationRequested();
                    var keyOnly = firstKeyOnly(unit);
                    await foreach (var batch in units[unit].ReadAsync(schema, batchRows, keyOnly, failed.Token).ConfigureAwait(false))
                    {
                        await consume(worker, unit, keyOnly, batch, failed.Token).ConfigureAwait(false);
                    }
                }
            }
            catch
            {
                await failed.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }
        var workers = Enumerable.Range(0, Math.Max(1, Math.Min(parallelism, units.Count)))
            .Select(w => Task.Run(() => WorkAsync(w), CancellationToken.None)).ToArray();
        try
        {
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        catch
        {
            // Report the failure that started it, not a cancellation it caused in the other threads.
            var first = workers.Where(w => w.IsFaulted).SelectMany(w => w.Exception!.InnerExceptions)
                .FirstOrDefault(e => e is not OperationCanceledException);
            if (first is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            }
            throw;
        }
    }
}
