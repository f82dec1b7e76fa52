using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Schema;
using Sleeper.Core.Storage;
using Sleeper.Parquet;

namespace Sleeper.Ingest.Input;

/// <summary>
/// Rows from a Parquet file whose columns match the table's schema (extra columns are ignored), in batches of
/// up to the ingest batch size. The Parquet reader decodes straight into batches of that size where it can, so
/// they pass through without a copy (and their native memory is freed as soon as ingest has sorted them);
/// smaller pieces, as at the ends of row groups, are gathered into full batches. A file on local disk is read
/// by its path; one elsewhere (S3) through its store's seekable stream, which fetches only the footer and the
/// column chunks read, never the whole file at once.
/// </summary>
public sealed class ParquetInput : IIngestInput
{
    private readonly InputFile? _file;
    private readonly IInputFileStore? _store;

    /// <summary>A local file.</summary>
    public ParquetInput(string path)
    {
        Name = path;
    }

    /// <summary>A file an input store found (<see cref="IngestInputs.ResolveAsync"/>).</summary>
    public ParquetInput(InputFile file, IInputFileStore store)
    {
        Name = file.Path;
        _file = file;
        _store = store;
    }

    public string Name { get; }

    /// <summary>
    /// Opens the file's reader, which checks its columns against the schema; without pre-buffering a reader holds
    /// one row group's column chunks at a time. Throws <see cref="Core.SleeperException"/> naming the file.
    /// </summary>
    public SortedParquetReader OpenReader(TableSchema schema, bool preBuffer = false, int batchRows = 64 * 1024)
    {
        if (_file is null || _store is null)
        {
            return SortedParquetReader.Open(Name, schema, preBuffer, batchRows);
        }
        if (_store.LocalPathOf(_file) is { } path)
        {
            return SortedParquetReader.Open(path, schema, preBuffer, batchRows);
        }
        return SortedParquetReader.Open(_store.OpenRead(_file), Name, schema, preBuffer, batchRows);
    }

    public IEnumerable<RecordBatch> ReadBatches(TableSchema schema, int maxRows)
    {
        using var reader = OpenReader(schema, preBuffer: false, batchRows: maxRows);
        var columns = schema.AllFields.Select(f => f.Name).ToList();
        RecordBatchBuilder? builder = null;
        foreach (var batch in reader.ReadAllAsync(columns).ToBlockingEnumerable())
        {
            try
            {
                ParquetInputChecks.CheckNulls(batch, schema, Name);
            }
            catch
            {
                batch.Dispose();
                throw;
            }
            if (batch.Length >= maxRows / 2 && builder is null)
            {
                yield return batch;
                continue;
            }
            using (batch)
            {
                var start = 0;
                while (start < batch.Length)
                {
                    builder ??= new RecordBatchBuilder(schema, (int)Math.Min(maxRows, reader.RowCount));
                    var take = Math.Min(batch.Length - start, maxRows - builder.Count);
                    builder.AppendRows(batch, start, take);
                    start += take;
                    if (builder.Count >= maxRows)
                    {
                        yield return builder.Build();
                        builder = null;
                    }
                }
            }
        }
        if (builder is { Count: > 0 })
        {
            yield return builder.Build();
        }
    }
}

/// <summary>Checks Arrow batches from outside for nulls where the schema allows none.</summary>
public static class ParquetInputChecks
{
    public static void CheckNulls(RecordBatch batch, TableSchema schema, string source)
    {
        for (var i = 0; i < schema.AllFields.Count; i++)
        {
            var field = schema.AllFields[i];
            if (!field.Nullable && batch.Column(i).NullCount > 0)
            {
                var what = i < schema.RowKeyFields.Count ? "row key" : i < schema.KeyFieldCount ? "sort key" : "field";
                throw new Core.RowValidationException($"{source}: {what} '{field.Name}' is null in {batch.Column(i).NullCount} row(s), but it may not be null.");
            }
        }
    }
}
