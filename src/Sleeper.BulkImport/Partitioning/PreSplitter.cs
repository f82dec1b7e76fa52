using Apache.Arrow;
using Sleeper.BulkImport.Reading;
using Sleeper.BulkImport.Sorting;
using Sleeper.Core.Batches;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Sketches;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;

namespace Sleeper.BulkImport.Partitioning;

/// <summary>
/// Splits a table that has too few leaf partitions for a bulk import to use every core well: sketches the first
/// row key of the whole input on every thread (holding whole units in memory while they fit, reading only the key
/// column of the rest), takes split points at even quantiles, and commits them as one ExtendPartitionTree. If another process changes the tree meanwhile, the commit is
/// rejected; the split is then planned again against the new tree, or skipped if that has enough leaves.
/// </summary>
public sealed class PreSplitter(SleeperTable table, int parallelism, int batchRows)
{
    private const int MaxAttempts = 3;
    private const int SampleRowsPerBatch = 2048;

    /// <summary>The minimum leaf count the table asks for.</summary>
    public int MinLeaves => table.Properties.GetInt(TableProperty.BulkImportMinLeafPartitions);

    /// <summary>
    /// Pre-splits when needed. Returns the tree to partition the rows by, how many leaves were added, and the units
    /// the main pass should read: while sketching, units are read whole and held in memory as long as they fit in
    /// <paramref name="holdBytes"/> (so the main pass does not read them twice); only the first row key is read of
    /// the rest.
    /// </summary>
    public async Task<(PartitionTree Tree, int LeavesAdded, IReadOnlyList<ReadUnit> Units)> PreSplitIfNeededAsync(
        ReadPlan plan, long holdBytes, Action<long>? sketched, CancellationToken cancellationToken)
    {
        var tree = (await table.StateStore.GetStateAsync(cancellationToken).ConfigureAwait(false)).PartitionTree();
        var before = tree.Leaves.Count;
        if (before >= MinLeaves)
        {
            return (tree, 0, plan.Units);
        }
        var held = new HeldBatches?[plan.Units.Count];
        KeyFieldSketch sketch;
        try
        {
            sketch = await SketchFirstKeyAsync(plan, held, holdBytes, sketched, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            foreach (var unit in held)
            {
                unit?.Dispose();
            }
            throw;
        }
        var units = plan.Units.Select((u, i) => held[i] ?? u).ToList();
        if (sketch.N == 0)
        {
            return (tree, 0, units);
        }
        for (var attempt = 1; ; attempt++)
        {
            var points = LeafSplitPlanner.ChooseSplitPoints(tree, table.Schema, sketch, MinLeaves);
            var transaction = LeafSplitPlanner.Plan(tree, table.Schema, points);
            if (transaction is null)
            {
                return (tree, 0, units);
            }
            try
            {
                await table.StateStore.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
                tree = (await table.StateStore.GetStateAsync(cancellationToken).ConfigureAwait(false)).PartitionTree();
                return (tree, tree.Leaves.Count - before, units);
            }
            catch (StateStoreValidationException) when (attempt < MaxAttempts)
            {
                tree = (await table.StateStore.GetStateAsync(cancellationToken).ConfigureAwait(false)).PartitionTree();
                if (tree.Leaves.Count >= MinLeaves)
                {
                    return (tree, 0, units);
                }
            }
        }
    }

    private async Task<KeyFieldSketch> SketchFirstKeyAsync(ReadPlan plan, HeldBatches?[] held, long holdBytes, Action<long>? sketched, CancellationToken cancellationToken)
    {
        var sketches = Enumerable.Range(0, Math.Max(1, parallelism)).Select(_ => new RowKeySketches(table.Schema)).ToArray();
        var arrowSchema = ArrowSchemas.ToArrow(table.Schema);
        long rows = 0;
        long heldBytes = 0;
        // A unit is held whole only if it starts while there is room, so the overshoot is at most a unit a thread.
        bool KeyOnly(int unit)
        {
            if (Interlocked.Read(ref heldBytes) >= holdBytes)
            {
                return true;
            }
            held[unit] = new HeldBatches(plan.Units[unit].Source, new Queue<RecordBatch>());
            return false;
        }
        await ParallelReader.RunAsync(plan.Units, parallelism, table.Schema, batchRows, KeyOnly, (worker, unit, keyOnly, batch, _) =>
        {
            if (keyOnly)
            {
                using (batch)
                {
                    Sketch(sketches[worker].Fields[0], batch);
                }
            }
            else
            {
                // Held as a managed copy: the reader's native buffers go straight back to its pool for the next
                // read, where holding them would keep the native heap as large as everything held, and more.
                RecordBatch copy;
                using (batch)
                {
                    copy = BatchGather.Gather(arrowSchema, [batch], [new SourceRun(0, 0, batch.Length)], batch.Length);
                }
                lock (held[unit]!.Batches)
                {
                    held[unit]!.Batches.Enqueue(copy);
                }
                Interlocked.Add(ref heldBytes, BatchBytes.Of(copy));
                Sketch(sketches[worker].Fields[0], copy);
            }
            sketched?.Invoke(Interlocked.Add(ref rows, batch.Length));
            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        for (var i = 1; i < sketches.Length; i++)
        {
            sketches[0].Merge(sketches[i]);
        }
        return sketches[0].Fields[0];
    }

    /// <summary>
    /// Sketches an even sample of a large batch's first key: split points into tens of partitions need nowhere
    /// near every row (a sample of a few thousand rows a batch puts each quantile well within a leaf's share),
    /// and sketching every row would cost more than sorting it.
    /// </summary>
    private static void Sketch(KeyFieldSketch sketch, RecordBatch batch)
    {
        var column = batch.Column(0);
        if (column.Length <= SampleRowsPerBatch)
        {
            sketch.UpdateFromColumn(column);
            return;
        }
        var stride = (double)column.Length / SampleRowsPerBatch;
        var indices = new int[SampleRowsPerBatch];
        for (var i = 0; i < indices.Length; i++)
        {
            indices[i] = (int)(i * stride);
        }
        // Not disposed: it only wraps the batch's own column, which the caller may be holding.
        var keys = new RecordBatch(new Apache.Arrow.Schema([batch.Schema.GetFieldByIndex(0)], null), [column], batch.Length);
        using var sample = BatchTake.Take(keys, indices);
        sketch.UpdateFromColumn(sample.Column(0));
    }
}
