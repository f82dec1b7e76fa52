using Apache.Arrow;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Properties;
using Sleeper.Core.Tables;
using Sleeper.Ingest;

namespace Sleeper.Client;

/// <summary>
/// Writes rows to a table in batches, as Sleeper's clients' batch writers do: rows are checked against the schema as
/// they are added and held in memory; each flush ingests everything held in one commit, so a reader sees all of a
/// flush's rows or none. Disposing flushes what is left. Made by <see cref="SleeperClient.OpenBatchWriterAsync"/>.
/// </summary>
/// <remarks>
/// A flush also happens by itself when the rows held reach <see cref="MaxBufferedBytes"/>. Calls may come from
/// several threads: they take turns. A flush that fails leaves the table unchanged and drops the rows it held (the
/// exception says why); <see cref="RowsWritten"/> counts only the rows committed.
/// </remarks>
public sealed class SleeperBatchWriter : IAsyncDisposable
{
    private readonly SleeperTable _table;
    private readonly string? _scratch;
    private readonly int _batchRows;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly List<RecordBatch> _held = [];
    private RecordBatchBuilder _builder;
    private long _heldBytes;
    private bool _disposed;

    internal SleeperBatchWriter(SleeperTable table, string? scratch, long? maxBufferedBytes)
    {
        _table = table;
        _scratch = scratch;
        _batchRows = Math.Max(1, table.Properties.GetInt(TableProperty.IngestBatchRows));
        _builder = new RecordBatchBuilder(table.Schema, Math.Min(_batchRows, 1024));
        MaxBufferedBytes = maxBufferedBytes ?? table.Properties.GetBytes(TableProperty.IngestMemoryBytes);
    }

    public string TableName => _table.Name;

    /// <summary>How many bytes of rows are held before they are flushed without being asked (the table's ingest memory by default).</summary>
    public long MaxBufferedBytes { get; }

    /// <summary>Rows added and not yet flushed.</summary>
    public long RowsBuffered { get; private set; }

    /// <summary>Rows committed by this writer's flushes so far.</summary>
    public long RowsWritten { get; private set; }

    /// <summary>Commits made by this writer's flushes so far (one per flush that had rows).</summary>
    public int Commits { get; private set; }

    /// <summary>Adds one row, its values in the schema's field order; a row that does not fit is refused with nothing added.</summary>
    public Task AddAsync(Row row, CancellationToken cancellationToken = default) => AddAsync([row], cancellationToken);

    /// <summary>Adds rows, each checked against the schema; the first that does not fit is refused, and the ones before it stay added.</summary>
    public async Task AddAsync(IEnumerable<Row> rows, CancellationToken cancellationToken = default)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            ThrowIfDisposed();
            foreach (var row in rows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ArgumentNullException.ThrowIfNull(row);
                RowValidator.Validate(_table.Schema, row.Values, $"Row {RowsBuffered + RowsWritten} written to table '{_table.Name}'");
                _builder.Append(row);
                RowsBuffered++;
                if (_builder.Count >= _batchRows)
                {
                    Hold(_builder.Build());
                }
                if (_heldBytes + _builder.EstimatedBytes >= MaxBufferedBytes)
                {
                    await FlushHeldAsync(cancellationToken);
                }
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>
    /// Adds an Arrow batch with a column for every field of the table (matched by name, any order); it is copied, so
    /// it stays the caller's.
    /// </summary>
    public async Task AddAsync(RecordBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var conformed = TableBatches.Conform(batch, _table.Schema, _table.Name);
        await _turn.WaitAsync(cancellationToken);
        try
        {
            ThrowIfDisposed();
            if (_builder.Count > 0)
            {
                // Keeps the rows in the order they were added, though ingest sorts them anyway.
                Hold(_builder.Build());
            }
            Hold(conformed);
            RowsBuffered += conformed.Length;
            if (_heldBytes >= MaxBufferedBytes)
            {
                await FlushHeldAsync(cancellationToken);
            }
        }
        catch
        {
            if (!_held.Contains(conformed))
            {
                conformed.Dispose();
            }
            throw;
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Ingests every row held, in one commit; nothing happens when none is held.</summary>
    public async Task<IngestResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            ThrowIfDisposed();
            return await FlushHeldAsync(cancellationToken);
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Flushes what is held, then lets go of it.</summary>
    public async ValueTask DisposeAsync()
    {
        await _turn.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            try
            {
                await FlushHeldAsync(CancellationToken.None);
            }
            finally
            {
                foreach (var batch in _held)
                {
                    batch.Dispose();
                }
                _held.Clear();
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    private void Hold(RecordBatch batch)
    {
        _held.Add(batch);
        _heldBytes += BatchBytes.Of(batch);
    }

    private async Task<IngestResult> FlushHeldAsync(CancellationToken cancellationToken)
    {
        if (_builder.Count > 0)
        {
            Hold(_builder.Build());
        }
        if (_held.Count == 0)
        {
            return new IngestResult(0, 0, []);
        }
        // The runner takes the batches (and disposes them), whether it commits them or fails: either way they are no
        // longer held, so a failed flush is not retried with rows that may be half gone.
        var batches = _held.ToList();
        var rows = RowsBuffered;
        _held.Clear();
        _heldBytes = 0;
        RowsBuffered = 0;
        var result = await new IngestRunner(_table, _scratch).IngestBatchesAsync(batches, cancellationToken: cancellationToken);
        RowsWritten += rows;
        if (result.RowsWritten > 0)
        {
            Commits++;
        }
        return result;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
