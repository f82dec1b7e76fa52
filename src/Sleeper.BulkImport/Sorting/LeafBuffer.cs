using Apache.Arrow;
using Sleeper.Core.Batches;

namespace Sleeper.BulkImport.Sorting;

/// <summary>
/// One reading thread's rows, not yet sorted: the batches it read, kept whole, and for each leaf partition the
/// runs of their rows that fall in it. Rows are not copied when they are scattered; each is copied once, in
/// order, when its leaf is sorted.
/// </summary>
public sealed class LeafBuffer(int leaves) : IDisposable
{
    private readonly RunList[] _leaves = Enumerable.Range(0, leaves).Select(_ => new RunList()).ToArray();
    private readonly List<RecordBatch> _sources = [];

    public IReadOnlyList<RecordBatch> Sources => _sources;

    /// <summary>The bytes of the batches held plus the run lists pointing into them.</summary>
    public long Bytes { get; private set; }

    public long Rows { get; private set; }

    public RunList Leaf(int leaf) => _leaves[leaf];

    /// <summary>Takes ownership of a batch whose rows belong to the given leaves.</summary>
    public void Add(RecordBatch batch, int[] leafOfRow)
    {
        var source = _sources.Count;
        _sources.Add(batch);
        long runsBefore = 0, runsAfter = 0;
        foreach (var list in _leaves)
        {
            runsBefore += list.Count;
        }
        for (var row = 0; row < leafOfRow.Length; row++)
        {
            _leaves[leafOfRow[row]].Add(source, row);
        }
        foreach (var list in _leaves)
        {
            runsAfter += list.Count;
        }
        Bytes += BatchBytes.Of(batch) + ((runsAfter - runsBefore) * System.Runtime.CompilerServices.Unsafe.SizeOf<SourceRun>());
        Rows += batch.Length;
    }

    /// <summary>Frees the batches and forgets the runs, after they were spilled or written.</summary>
    public void Clear()
    {
        foreach (var batch in _sources)
        {
            batch.Dispose();
        }
        _sources.Clear();
        foreach (var list in _leaves)
        {
            list.Clear();
        }
        Bytes = 0;
        Rows = 0;
    }

    public void Dispose() => Clear();
}
