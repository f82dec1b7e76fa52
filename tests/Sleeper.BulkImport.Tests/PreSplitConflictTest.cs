using Apache.Arrow;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Ingest.Input;

namespace Sleeper.BulkImport.Tests;

public sealed class PreSplitConflictTest : IDisposable
{
    private readonly TestTable _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public async Task A_tree_split_by_another_process_during_the_sketch_is_re_read_and_the_pre_split_planned_again()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 8);
        var rows = TestTable.Rows(4000, seed: 31);
        // Another process (its own view of the state store) splits the root at "m" while the import sketches.
        var other = await _t.Instance.OpenTableAsync("t");
        var input = new SideEffectInput(new ParquetInput(_t.WriteParquet("in.parquet", rows)), () =>
        {
            var root = other.StateStore.GetStateAsync().GetAwaiter().GetResult().PartitionTree().Root;
            var (parent, left, right) = PartitionsBuilder.Split(root, 0, "m", "left", "right");
            other.StateStore.CommitAsync(new SplitPartitionTransaction(parent, [left, right])).GetAwaiter().GetResult();
        });

        var result = await new BulkImportRunner(table, new BulkImportOptions { ScratchRoot = _t.Scratch }).ImportAsync([input]);

        var tree = (await table.StateStore.GetStateAsync()).PartitionTree();
        Assert.Equal(["left", "right"], tree.Root.ChildIds);
        Assert.InRange(tree.Leaves.Count, 8, 9);
        Assert.Equal(tree.Leaves.Count, result.LeafPartitions);
        Assert.Equal(TestTable.Sorted(rows), TestTable.Sorted(await TestTable.ReadBackAsync(table)));
    }

    /// <summary>
    /// An input that runs an action before yielding its first batch. Inputs are read synchronously, so the action
    /// blocks on the other process's commit: it must land while the sketch pass is reading.
    /// </summary>
    private sealed class SideEffectInput(IIngestInput inner, Action beforeFirstBatch) : IIngestInput
    {
        private bool _done;

        public string Name => inner.Name;

        public IEnumerable<RecordBatch> ReadBatches(TableSchema schema, int maxRows)
        {
            if (!_done)
            {
                _done = true;
                beforeFirstBatch();
            }
            return inner.ReadBatches(schema, maxRows);
        }
    }
}
