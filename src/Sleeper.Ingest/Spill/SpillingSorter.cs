using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Schema;

namespace Sleeper.Ingest.Spill;

/// <summary>
/// Holds sorted batches in memory within a byte budget, spilling to the scratch folder beyond it. The budget
/// is split in two halves: when the batches held pass half of it, they are merged into one sorted run on disk
/// in the background while the next half fills, so reading and sorting never wait for a spill unless the
/// disk falls behind. Merging at spill time keeps the runs few (about the input's size over half the budget),
/// so the final k-way merge reads few files, each a small slice at a time.
/// </summary>
public sealed class SpillingSorter(TableSchema schema, long budgetBytes, ScratchFolder scratch, int sliceRows) : IAsyncDisposable
{
    private readonly List<string> _runs = [];
    private List<RecordBatch> _held = [];
    private long _heldBytes;
    private long _spillingBytes;
    private Task? _spilling;

    /// <summary>Sorted runs written to disk so far.</summary>
    public int SpilledRuns => _runs.Count;

    public long SpilledBytes { get; private set; }

    /// <summary>The most bytes of sorted batches in memory at once, held or being spilled.</summary>
    public long PeakHeldBytes { get; private set; }

    /// <summary>Sorts a batch by key (then sort key); the caller keeps ownership of the input.</summary>
    public RecordBatch Sort(RecordBatch unsorted) => BatchTake.Take(unsorted, BatchSorter.SortPermutation(unsorted, schema));

    /// <summary>
    /// Takes ownership of a sorted batch. If holding it would pass half the budget, what is held starts spilling
    /// in the background first (after any spill still running finishes), so held and spilling batches together
    /// stay within the budget, unless one batch alone passes half of it.
    /// </summary>
    public async ValueTask HoldAsync(RecordBatch sorted)
    {
        var bytes = BatchBytes.Of(sorted);
        if (_held.Count > 0 && _heldBytes + bytes > budgetBytes / 2)
        {
            await WaitForSpillAsync();
            var batches = _held;
            var path = scratch.NewFile(SortedRunFile.Extension);
            _runs.Add(path);
            _spillingBytes = _heldBytes;
            _held = [];
            _heldBytes = 0;
            _spilling = Task.Run(() => Spill(batches, path));
        }
        _held.Add(sorted);
        _heldBytes += bytes;
        PeakHeldBytes = Math.Max(PeakHeldBytes, _heldBytes + _spillingBytes);
    }

    /// <summary>
    /// The sorted inputs for the final merge, in arrival order (so rows with equal keys keep their input order):
    /// the spilled runs, read back lazily, then the batches still in memory, whose ownership passes to the caller.
    /// </summary>
    public async Task<IReadOnlyList<IEnumerable<RecordBatch>>> TakeSortedInputsAsync()
    {
        await WaitForSpillAsync();
        var inputs = new List<IEnumerable<RecordBatch>>(_runs.Count + _held.Count);
        inputs.AddRange(_runs.Select(SortedRunFile.Read));
        inputs.AddRange(_held.Select(b => (IEnumerable<RecordBatch>)[b]));
        _held = [];
        _heldBytes = 0;
        return inputs;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // A spill must finish before the scratch folder under it is removed.
            await WaitForSpillAsync();
        }
        catch
        {
            // The ingest is already failing; the first failure is the one it reports.
        }
        foreach (var batch in _held)
        {
            batch.Dispose();
        }
        _held.Clear();
    }

    private async Task WaitForSpillAsync()
    {
        if (_spilling is { } spilling)
        {
            _spilling = null;
            await spilling;
            _spillingBytes = 0;
        }
    }

    private void Spill(List<RecordBatch> batches, string path)
    {
        if (batches.Count == 1)
        {
            using var batch = batches[0];
            SpilledBytes += scratch.Write(path, stream => SortedRunFile.Write(stream, batch, sliceRows));
            return;
        }
        // The merger disposes each held batch once all its rows are copied out.
        var merged = new StreamingBatchMerger(schema, sliceRows).Merge(batches.Select(b => (IEnumerable<RecordBatch>)[b]).ToList());
        SpilledBytes += scratch.Write(path, stream => SortedRunFile.Write(stream, merged));
    }
}
