using Apache.Arrow;
using Sleeper.BulkImport.Reading;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Sketches;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;

namespace Sleeper.BulkImport.Partitioning;

/// <summary>
/// Splits a table that has too few leaf partitions for a bulk import to use every core well: sketches the first
/// row key of the whole input (only that column is read, on every thread), takes split points at even quantiles,
/// and commits them as one ExtendPartitionTree. If another process changes the tree meanwhile, the commit is
/// rejected; the split is then planned again against the new tree, or skipped if that has enough leaves.
/// </summary>
public sealed class PreSplitter(SleeperTable table, int parallelism, int batchRows)
{
    private const int MaxAttempts = 3;

    /// <summary>The minimum leaf count the table asks for.</summary>
    public int MinLeaves => table.Properties.GetInt(TableProperty.BulkImportMinLeafPartitions);

    /// <summary>Pre-splits when needed; returns the tree to partition the rows by and how many leaves were added.</summary>
    public async Task<(PartitionTree Tree, int LeavesAdded)> PreSplitIfNeededAsync(
        ReadPlan plan, Action<long>? sketched, CancellationToken cancellationToken)
    {
        var tree = (await table.StateStore.GetStateAsync(cancellationToken).ConfigureAwait(false)).PartitionTree();
        var before = tree.Leaves.Count;
        if (before >= MinLeaves)
        {
            return (tree, 0);
        }
        var sketch = await SketchFirstKeyAsync(plan, sketched, cancellationToken).ConfigureAwait(false);
        if (sketch.N == 0)
        {
            return (tree, 0);
        }
        for (var attempt = 1; ; attempt++)
        {
            // One split point per leaf wanted; points the tree already has, or outside every leaf, are dropped.
            var points = sketch.GetSplitPoints(MinLeaves);
            var transaction = LeafSplitPlanner.Plan(tree, table.Schema, points);
            if (transaction is null)
            {
                return (tree, 0);
            }
            try
            {
                await table.StateStore.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
                tree = (await table.StateStore.GetStateAsync(cancellationToken).ConfigureAwait(false)).PartitionTree();
                return (tree, tree.Leaves.Count - before);
            }
            catch (StateStoreValidationException) when (attempt < MaxAttempts)
            {
                tree = (await table.StateStore.GetStateAsync(cancellationToken).ConfigureAwait(false)).PartitionTree();
                if (tree.Leaves.Count >= MinLeaves)
                {
                    return (tree, 0);
                }
            }
        }
    }

    private async Task<KeyFieldSketch> SketchFirstKeyAsync(ReadPlan plan, Action<long>? sketched, CancellationToken cancellationToken)
    {
        var sketches = Enumerable.Range(0, Math.Max(1, parallelism)).Select(_ => new RowKeySketches(table.Schema)).ToArray();
        long rows = 0;
        await ParallelReader.RunAsync(plan.Units, parallelism, table.Schema, batchRows, firstKeyOnly: true, (worker, batch, _) =>
        {
            using (batch)
            {
                sketches[worker].Fields[0].UpdateFromColumn(batch.Column(0));
                sketched?.Invoke(Interlocked.Add(ref rows, batch.Length));
            }
            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        for (var i = 1; i < sketches.Length; i++)
        {
            sketches[0].Merge(sketches[i]);
        }
        return sketches[0].Fields[0];
    }
}
