using Sleeper.Core.Batches;

namespace Sleeper.BulkImport.Sorting;

/// <summary>
/// A growable list of runs of rows of buffered batches: the rows one thread found for one leaf partition, in
/// the order read. Consecutive rows of one batch extend the last run, so input already grouped by key costs a
/// run per group rather than one per row.
/// </summary>
public sealed class RunList
{
    private SourceRun[] _runs = new SourceRun[16];

    public int Count { get; private set; }

    public long Rows { get; private set; }

    public ReadOnlySpan<SourceRun> Runs => _runs.AsSpan(0, Count);

    public void Add(int source, int row)
    {
        Rows++;
        if (Count > 0)
        {
            ref var last = ref _runs[Count - 1];
            if (last.Source == source && last.Start + last.Length == row)
            {
                last = last with { Length = last.Length + 1 };
                return;
            }
        }
        if (Count == _runs.Length)
        {
            Array.Resize(ref _runs, _runs.Length * 2);
        }
        _runs[Count++] = new SourceRun(source, row, 1);
    }

    public void Clear()
    {
        _runs = new SourceRun[16];
        Count = 0;
        Rows = 0;
    }
}
