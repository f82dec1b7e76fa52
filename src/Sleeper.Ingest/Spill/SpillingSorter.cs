using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Schema;

namespace Sleeper.Ingest.Spill;

/// <summary>
/// Holds sorted batches in memory up to a byte budget. When the next would pass it, every held batch is written
/// to the scratch folder as a sorted run of its own and dropped from memory: each run is already sorted, so
/// spilling is a plain copy, and the one k-way merge at the end reads every run and every batch still held.
/// </summary>
public sealed class SpillingSorter(TableSchema schema, long budgetBytes, ScratchFolder scratch, int sliceRows) : IDisposable
{
    private readonly List<RecordBatch> _held = [];
    private readonly List<string> _runs = [];
    private long _heldBytes;

    /// <summary>Sorted runs written to disk so far.</summary>
    public int SpilledRuns => _runs.Count;

    public long SpilledBytes { get; private set; }

    /// <summary>The most bytes of sorted batches held in memory at once.</summary>
    public long PeakHeldBytes { get; private set; }

    /// <summary>Sorts a batch by key (then sort key); the caller keeps ownership of the input.</summary>
    public RecordBatch Sort(RecordBatch unsorted) => BatchTake.Take(unsorted, BatchSorter.SortPermutation(unsorted, schema));

    /// <summary>
    /// Takes ownership of a sorted batch. If holding it too would pass the budget, everything held so far is
    /// spilled first, so what is held never passes the budget (unless one batch alone does).
    /// </summary>
    public void Hold(RecordBatch sorted)
    {
        var bytes = BatchBytes.Of(sorted);
        if (_heldBytes + bytes > budgetBytes && _held.Count > 0)
        {
            Spill();
        }
        _held.Add(sorted);
        _heldBytes += bytes;
        PeakHeldBytes = Math.Max(PeakHeldBytes, _heldBytes);
    }

    /// <summary>
    /// The sorted inputs for the final merge, in arrival order (so rows with equal keys keep their input order):
    /// the spilled runs, read back lazily, then the batches still in memory, whose ownership passes to the caller.
    /// </summary>
    public IReadOnlyList<IEnumerable<RecordBatch>> TakeSortedInputs()
    {
        var inputs = new List<IEnumerable<RecordBatch>>(_runs.Count + _held.Count);
        inputs.AddRange(_runs.Select(SortedRunFile.Read));
        inputs.AddRange(_held.Select(b => (IEnumerable<RecordBatch>)[b]));
        _held.Clear();
        _heldBytes = 0;
        return inputs;
    }

    public void Dispose()
    {
        foreach (var batch in _held)
        {
            batch.Dispose();
        }
        _held.Clear();
    }

    private void Spill()
    {
        foreach (var batch in _held)
        {
            using (batch)
            {
                var path = scratch.NewFile(SortedRunFile.Extension);
                SpilledBytes += SortedRunFile.Write(path, batch, sliceRows);
                _runs.Add(path);
            }
        }
        _held.Clear();
        _heldBytes = 0;
    }
}
