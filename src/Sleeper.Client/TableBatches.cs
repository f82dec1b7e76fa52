using Apache.Arrow;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Schema;
using Sleeper.Ingest.Input;

namespace Sleeper.Client;

/// <summary>
/// Brings a caller's Arrow batch into the table's shape: columns matched by name and put in the schema's order,
/// types checked, no nulls where the schema allows none, and copied, so the caller's batch stays theirs to use
/// and dispose.
/// </summary>
internal static class TableBatches
{
    public static RecordBatch Conform(RecordBatch batch, TableSchema schema, string tableName)
    {
        var source = $"A record batch written to table '{tableName}'";
        var fields = schema.AllFields;
        if (batch.ColumnCount != fields.Count)
        {
            throw new RowValidationException($"{source} has {batch.ColumnCount} column(s) ({string.Join(", ", batch.Schema.FieldsList.Select(f => f.Name))}); " +
                $"the table has {fields.Count} field(s) ({string.Join(", ", fields.Select(f => f.Name))}).");
        }
        var columns = new IArrowArray[fields.Count];
        for (var i = 0; i < fields.Count; i++)
        {
            var index = batch.Schema.GetFieldIndex(fields[i].Name);
            if (index < 0)
            {
                throw new RowValidationException($"{source} has no column '{fields[i].Name}' (it has {string.Join(", ", batch.Schema.FieldsList.Select(f => f.Name))}).");
            }
            var column = batch.Column(index);
            if (!ArrowSchemas.Matches(fields[i].Type, column.Data.DataType))
            {
                throw new RowValidationException($"{source}: column '{fields[i].Name}' is of Arrow type {column.Data.DataType.Name}, but the field is {fields[i].Type.Name}.");
            }
            columns[i] = column;
        }
        // Not disposed: the arrays are the caller's.
        var ordered = new RecordBatch(ArrowSchemas.ToArrow(schema), columns, batch.Length);
        ParquetInputChecks.CheckNulls(ordered, schema, source);
        var builder = new RecordBatchBuilder(schema, Math.Max(1, batch.Length));
        builder.AppendRows(ordered, 0, batch.Length);
        return builder.Build();
    }
}
