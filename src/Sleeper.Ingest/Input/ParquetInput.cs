using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Schema;
using Sleeper.Parquet;

namespace Sleeper.Ingest.Input;

/// <summary>
/// Rows from a Parquet file whose columns match the table's schema (extra columns are ignored). The file's
/// small read batches are gathered into batches of up to the ingest batch size, so that one ingest batch
/// makes one sorted file whatever the file's row groups are.
/// </summary>
public sealed class ParquetInput(string path) : IIngestInput
{
    public string Name { get; } = path;

    public IEnumerable<RecordBatch> ReadBatches(TableSchema schema, int maxRows)
    {
        using var reader = SortedParquetReader.Open(Name, schema);
        var columns = schema.AllFields.Select(f => f.Name).ToList();
        RecordBatchBuilder? builder = null;
        foreach (var batch in reader.ReadAllAsync(columns).ToBlockingEnumerable())
        {
            using (batch)
            {
                ParquetInputChecks.CheckNulls(batch, schema, Name);
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
