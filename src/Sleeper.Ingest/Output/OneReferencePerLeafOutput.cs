using Apache.Arrow;
using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Tables;
using Sleeper.Parquet;

namespace Sleeper.Ingest.Output;

/// <summary>
/// one_reference_per_leaf: every row goes to one sorted file, referenced from each leaf it has rows in. A
/// file with rows in one leaf only lives in that leaf's folder; otherwise in the root's.
/// </summary>
internal sealed class OneReferencePerLeafOutput : IIngestOutput
{
    private readonly IReadOnlyList<Partition> _leaves;
    private readonly long[] _rowsPerLeaf;
    private readonly string _filename;
    private readonly SortedParquetWriter _writer;
    private bool _finished;

    private readonly SleeperTable _table;

    private OneReferencePerLeafOutput(SleeperTable table, IReadOnlyList<Partition> leaves, long[] rowsPerLeaf, string filename, SortedParquetWriter writer)
    {
        _table = table;
        _leaves = leaves;
        _rowsPerLeaf = rowsPerLeaf;
        _filename = filename;
        _writer = writer;
    }

    public static async Task<OneReferencePerLeafOutput> StartAsync(SleeperTable table, IReadOnlyList<Partition> leaves, long[] rowsPerLeaf, ParquetWriteSettings settings, CancellationToken cancellationToken)
    {
        var used = Enumerable.Range(0, leaves.Count).Where(i => rowsPerLeaf[i] > 0).ToList();
        var filename = table.NewDataFileName(used.Count == 1 ? leaves[used[0]].Id : PartitionsBuilder.RootId);
        var writer = await SortedParquetWriter.StartAsync(table.Objects, filename, settings, cancellationToken: cancellationToken);
        return new OneReferencePerLeafOutput(table, leaves, rowsPerLeaf, filename, writer);
    }

    public ValueTask WriteAsync(RecordBatch sorted, int[] leafOfRow, CancellationToken cancellationToken)
    {
        _writer.Write(sorted);
        return ValueTask.CompletedTask;
    }

    public async Task<IReadOnlyList<FileReference>> FinishAsync(CancellationToken cancellationToken)
    {
        await _writer.CommitAsync(cancellationToken);
        _finished = true;
        var used = Enumerable.Range(0, _leaves.Count).Where(i => _rowsPerLeaf[i] > 0).ToList();
        return used.Select(i => new FileReference(_filename, _leaves[i].Id, _rowsPerLeaf[i], CountApproximate: false, OnlyContainsDataForThisPartition: used.Count == 1)).ToList();
    }

    public async Task DeleteFinishedAsync()
    {
        if (_finished)
        {
            await DataFiles.DeleteUncommittedAsync(_table.Objects, _filename);
        }
    }

    public void Dispose() => _writer.Dispose();
}
