using Apache.Arrow;
using Sleeper.Core.Schema;
using Sleeper.Parquet;

namespace Sleeper.Ingest.Input;

/// <summary>Rows from a Parquet file whose columns match the table's schema (extra columns are ignored).</summary>
public sealed class ParquetInput(string path) : IIngestInput
{
    public string Name { get; } = path;

    public IEnumerable<RecordBatch> ReadBatches(TableSchema schema, int maxRows)
    {
        using var reader = SortedParquetReader.Open(Name, schema);
        var columns = schema.AllFields.Select(f => f.Name).ToList();
        foreach (var batch in reader.ReadAllAsync(columns).ToBlockingEnumerable())
        {
            ParquetInputChecks.CheckNulls(batch, schema, Name);
            yield return batch;
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
