using System.Runtime.CompilerServices;
using Apache.Arrow;
using Sleeper.Core.Schema;
using Sleeper.Ingest.Input;

namespace Sleeper.BulkImport.Reading;

/// <summary>
/// A piece of the input one thread reads on its own: a run of row groups of a Parquet file, or a whole file of
/// another format (CSV and JSON lines can only be read from the start).
/// </summary>
public abstract record ReadUnit(string Source)
{
    /// <summary>Validated batches in the table's column order (only the first row key when <paramref name="firstKeyOnly"/>).</summary>
    public abstract IAsyncEnumerable<RecordBatch> ReadAsync(TableSchema schema, int batchRows, bool firstKeyOnly, CancellationToken cancellationToken);
}

/// <summary>Some row groups of one Parquet file (local, or read through its input store's seekable stream).</summary>
public sealed record ParquetRowGroups(ParquetInput Input, IReadOnlyList<int> RowGroups, long Rows) : ReadUnit(Input.Name)
{
    public override async IAsyncEnumerable<RecordBatch> ReadAsync(TableSchema schema, int batchRows, bool firstKeyOnly,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Without pre-buffering a reader holds one row group at a time, so many readers at once stay small.
        using var reader = Input.OpenReader(schema, preBuffer: false, batchRows: batchRows);
        var columns = firstKeyOnly ? [schema.RowKeyFields[0].Name] : schema.AllFields.Select(f => f.Name).ToList();
        await foreach (var batch in reader.ReadRowGroupsAsync(RowGroups, columns, cancellationToken).ConfigureAwait(false))
        {
            if (!firstKeyOnly)
            {
                try
                {
                    ParquetInputChecks.CheckNulls(batch, schema, Input.Name);
                }
                catch
                {
                    batch.Dispose();
                    throw;
                }
            }
            yield return batch;
        }
    }
}

/// <summary>A whole input read by its own reader (CSV, JSON lines, standard input).</summary>
public sealed record WholeInput(IIngestInput Input) : ReadUnit(Input.Name)
{
    public override async IAsyncEnumerable<RecordBatch> ReadAsync(TableSchema schema, int batchRows, bool firstKeyOnly,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var batch in Input.ReadBatches(schema, batchRows))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!firstKeyOnly)
            {
                yield return batch;
                continue;
            }
            var field = batch.Schema.GetFieldByIndex(0);
            var keyOnly = new RecordBatch(new Apache.Arrow.Schema([field], null), [batch.Column(0)], batch.Length);
            yield return keyOnly;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }
}

/// <summary>
/// Batches of a unit already read whole while the input was sketched, held in memory so the main pass need not
/// read them again. Each batch is handed over (and forgotten here) as it is read; <see cref="Dispose"/> frees any
/// never handed over, after a failure.
/// </summary>
public sealed record HeldBatches(string Source, Queue<RecordBatch> Batches) : ReadUnit(Source), IDisposable
{
    public override async IAsyncEnumerable<RecordBatch> ReadAsync(TableSchema schema, int batchRows, bool firstKeyOnly,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (firstKeyOnly)
        {
            throw new InvalidOperationException($"The batches held of {Source} were read whole; they are not read again for their keys.");
        }
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            RecordBatch? batch;
            lock (Batches)
            {
                if (!Batches.TryDequeue(out batch))
                {
                    break;
                }
            }
            yield return batch;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public void Dispose()
    {
        lock (Batches)
        {
            while (Batches.TryDequeue(out var batch))
            {
                batch.Dispose();
            }
        }
    }
}
