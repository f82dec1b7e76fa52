using Apache.Arrow;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Batches;

/// <summary>
/// Merges many long inputs, each sorted by key, into one sorted stream of batches, owning the input batches:
/// each is disposed once all its rows have been copied into output. Built for compaction, where inputs
/// interleave row by row: a loser tree picks the next row with about log2(k) key comparisons, consecutive
/// picks from one input are copied as one run, and runs are copied column by column when a batch is full.
/// </summary>
public sealed class StreamingBatchMerger
{
    private readonly TableSchema _schema;
    private readonly Apache.Arrow.Schema _arrowSchema;
    private readonly int _maxBatchRows;

    public StreamingBatchMerger(TableSchema schema, int maxBatchRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchRows, 1);
        _schema = schema;
        _arrowSchema = ArrowSchemas.ToArrow(schema);
        _maxBatchRows = maxBatchRows;
    }

    /// <summary>
    /// Sorted batches of at most the batch size (all full but the last). Rows with equal keys come in input
    /// order. Input batches must have the table's columns in schema order.
    /// </summary>
    public IEnumerable<RecordBatch> Merge(IReadOnlyList<IEnumerable<RecordBatch>> inputs) =>
        inputs.Count == 0 ? [] : MergeIterator(inputs);

    private IEnumerable<RecordBatch> MergeIterator(IReadOnlyList<IEnumerable<RecordBatch>> inputs)
    {
        var keyCount = _schema.KeyFieldCount;
        var cursors = new Cursor[inputs.Count];
        // The batches the output being built copies from, and its runs of rows of them.
        var sources = new List<RecordBatch>();
        var runs = new SourceRun[Math.Min(_maxBatchRows, 1024)];
        var runCount = 0;
        var retired = new List<RecordBatch>();
        try
        {
            for (var i = 0; i < cursors.Length; i++)
            {
                cursors[i] = new Cursor(inputs[i].GetEnumerator(), keyCount);
                cursors[i].MoveToNextBatch(retired);
            }
            var tree = new LoserTree(cursors);
            var outputRows = 0;
            int runInput = -1, runStart = 0, runLength = 0;
            void EndRun()
            {
                var cursor = cursors[runInput];
                if (cursor.Source < 0)
                {
                    cursor.Source = sources.Count;
                    sources.Add(cursor.Batch);
                }
                if (runCount == runs.Length)
                {
                    System.Array.Resize(ref runs, runs.Length * 2);
                }
                runs[runCount++] = new SourceRun(cursor.Source, runStart, runLength);
                runInput = -1;
                runLength = 0;
            }
            while (true)
            {
                var winner = tree.Winner;
                var cursor = cursors[winner];
                if (cursor.Exhausted)
                {
                    break;
                }
                if (winner != runInput)
                {
                    if (runLength > 0)
                    {
                        EndRun();
                    }
                    runInput = winner;
                    runStart = cursor.Row;
                }
                runLength++;
                outputRows++;
                cursor.Row++;
                if (cursor.Row == cursor.Length)
                {
                    // The run ends with the batch; the batch stays alive until the output holding it is built.
                    EndRun();
                    cursor.MoveToNextBatch(retired);
                }
                if (outputRows == _maxBatchRows)
                {
                    if (runLength > 0)
                    {
                        EndRun();
                    }
                    yield return BatchGather.Gather(_arrowSchema, sources, runs.AsSpan(0, runCount), outputRows);
                    runCount = 0;
                    outputRows = 0;
                    sources.Clear();
                    foreach (var c in cursors)
                    {
                        c.Source = -1;
                    }
                    DisposeAll(retired);
                }
                tree.Replay(winner);
            }
            if (runLength > 0)
            {
                EndRun();
            }
            if (outputRows > 0)
            {
                yield return BatchGather.Gather(_arrowSchema, sources, runs.AsSpan(0, runCount), outputRows);
            }
        }
        finally
        {
            DisposeAll(retired);
            foreach (var cursor in cursors)
            {
                cursor?.Dispose();
            }
        }
    }

    private static void DisposeAll(List<RecordBatch> batches)
    {
        foreach (var batch in batches)
        {
            batch.Dispose();
        }
        batches.Clear();
    }

    /// <summary>One input: its current batch, typed key columns and next row.</summary>
    private sealed class Cursor(IEnumerator<RecordBatch> batches, int keyCount) : IDisposable
    {
        public RecordBatch Batch = null!;
        public KeyColumn[] Keys = [];
        public ulong[] Prefixes = [];
        public int Row;
        public int Length;
        public bool Exhausted;

        /// <summary>The current batch's index among the sources of the output being built; -1 if not one yet.</summary>
        public int Source = -1;

        /// <summary>Moves to the next non-empty batch, retiring the current one for disposal after the next output.</summary>
        public void MoveToNextBatch(List<RecordBatch> retired)
        {
            if (Batch is not null)
            {
                retired.Add(Batch);
            }
            while (batches.MoveNext())
            {
                var batch = batches.Current;
                if (batch.Length > 0)
                {
                    Batch = batch;
                    Keys = KeyColumn.For(batch, keyCount);
                    if (Prefixes.Length < batch.Length)
                    {
                        Prefixes = new ulong[Math.Max(batch.Length, Prefixes.Length * 2)];
                    }
                    KeyPrefixes.Compute(batch.Column(0), Prefixes);
                    Row = 0;
                    Length = batch.Length;
                    Source = -1;
                    return;
                }
                batch.Dispose();
            }
            Batch = null!;
            Keys = [];
            Row = Length = 0;
            Exhausted = true;
        }

        public void Dispose()
        {
            if (!Exhausted && Batch is not null)
            {
                Batch.Dispose();
                Batch = null!;
            }
            batches.Dispose();
        }
    }

    /// <summary>
    /// A tournament of losers over the cursors: the root holds the input with the smallest next row; after it
    /// advances, only the path from its leaf to the root is replayed.
    /// </summary>
    private sealed class LoserTree
    {
        private readonly Cursor[] _cursors;
        private readonly int[] _nodes;

        public LoserTree(Cursor[] cursors)
        {
            _cursors = cursors;
            _nodes = new int[Math.Max(1, cursors.Length)];
            System.Array.Fill(_nodes, -1);
            if (cursors.Length == 0)
            {
                _nodes[0] = -1;
                return;
            }
            for (var i = cursors.Length - 1; i >= 0; i--)
            {
                Replay(i);
            }
        }

        /// <summary>The input whose next row comes first; exhausted if every input is.</summary>
        public int Winner => _nodes[0];

        public void Replay(int input)
        {
            var candidate = input;
            for (var node = (input + _cursors.Length) >> 1; node > 0; node >>= 1)
            {
                var stored = _nodes[node];
                if (Beats(stored, candidate))
                {
                    _nodes[node] = candidate;
                    candidate = stored;
                }
            }
            _nodes[0] = candidate;
        }

        // -1 is the placeholder of an unfilled node while building: it beats everything so real inputs settle below it.
        private bool Beats(int a, int b)
        {
            if (a < 0)
            {
                return true;
            }
            if (b < 0)
            {
                return false;
            }
            var x = _cursors[a];
            var y = _cursors[b];
            if (x.Exhausted)
            {
                return false;
            }
            if (y.Exhausted)
            {
                return true;
            }
            // Whole keys are compared only when the first key's prefixes tie.
            var px = x.Prefixes[x.Row];
            var py = y.Prefixes[y.Row];
            if (px != py)
            {
                return px < py;
            }
            var c = KeyColumn.CompareRows(x.Keys, x.Row, y.Keys, y.Row);
            return c < 0 || (c == 0 && a < b);
        }
    }
}
