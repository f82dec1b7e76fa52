using Apache.Arrow;
using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Tables;
using Sleeper.Parquet;

namespace Sleeper.Ingest.Output;

/// <summary>
/// one_file_per_leaf: each leaf's rows go to a sorted file of its own in the leaf's folder. The merged stream
/// is cut where the leaf changes. With splits on the first row key only, each leaf's rows come as one run, so a
/// leaf's file is finished as soon as the rows move past it: only one file is open at a time, however many
/// leaves the table has. Otherwise a file stays open per leaf until the end.
/// </summary>
internal sealed class OneFilePerLeafOutput(SleeperTable table, PartitionLocator locator, ParquetWriteSettings settings) : IIngestOutput
{
    private readonly IReadOnlyList<Partition> _leaves = locator.Leaves;
    private readonly SortedParquetWriter?[] _writers = new SortedParquetWriter?[locator.Leaves.Count];
    private readonly string?[] _filenames = new string?[locator.Leaves.Count];
    private readonly List<string> _finished = [];
    private readonly List<FileReference> _references = [];
    private int _current = -1;

    public async ValueTask WriteAsync(RecordBatch sorted, int[] leafOfRow, CancellationToken cancellationToken)
    {
        var start = 0;
        while (start < leafOfRow.Length)
        {
            var leaf = leafOfRow[start];
            var end = start + 1;
            while (end < leafOfRow.Length && leafOfRow[end] == leaf)
            {
                end++;
            }
            if (leaf != _current && _current >= 0 && locator.LeavesAreRunsInSortedOrder)
            {
                await FinishAsync(_current, cancellationToken);
            }
            _current = leaf;
            (await WriterForAsync(leaf, cancellationToken)).Write(start == 0 && end == sorted.Length ? sorted : sorted.Slice(start, end - start));
            start = end;
        }
    }

    public async Task<IReadOnlyList<FileReference>> FinishAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < _writers.Length; i++)
        {
            await FinishAsync(i, cancellationToken);
        }
        return _references;
    }

    private async Task FinishAsync(int leaf, CancellationToken cancellationToken)
    {
        if (_writers[leaf] is not { } writer)
        {
            return;
        }
        _writers[leaf] = null;
        await using (writer)
        {
            var rows = await writer.CommitAsync(cancellationToken);
            _finished.Add(_filenames[leaf]!);
            _references.Add(new FileReference(_filenames[leaf]!, _leaves[leaf].Id, rows));
        }
    }

    public async Task DeleteFinishedAsync()
    {
        foreach (var filename in _finished)
        {
            await DataFiles.DeleteUncommittedAsync(table.Objects, filename);
        }
    }

    public void Dispose()
    {
        foreach (var writer in _writers)
        {
            writer?.Dispose();
        }
    }

    private async ValueTask<SortedParquetWriter> WriterForAsync(int leaf, CancellationToken cancellationToken)
    {
        if (_writers[leaf] is { } writer)
        {
            return writer;
        }
        if (_filenames[leaf] is not null)
        {
            throw new InvalidOperationException($"Rows of leaf partition {_leaves[leaf].Id} came after its file was finished; the merged rows are not in key order.");
        }
        var filename = table.NewDataFileName(_leaves[leaf].Id);
        _filenames[leaf] = filename;
        return _writers[leaf] = await SortedParquetWriter.StartAsync(table.Objects, filename, settings, cancellationToken: cancellationToken);
    }
}
