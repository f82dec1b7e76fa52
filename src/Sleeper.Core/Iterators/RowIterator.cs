using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Iterators;

/// <summary>
/// A base for custom iterators written row by row: rows in key order come in, rows in key order go out.
/// Slower than working on batches, but the simplest way to write one.
/// </summary>
public abstract class RowIterator : IConfigurableIterator
{
    private const int OutputBatchRows = 16 * 1024;

    private TableSchema? _schema;

    /// <summary>The table's schema, once <see cref="Init"/> has run.</summary>
    protected TableSchema Schema => _schema ?? throw new InvalidOperationException($"{GetType().Name} was applied before Init.");

    /// <summary>Keeps the schema; override to read the configuration too, and call this.</summary>
    public virtual void Init(string config, TableSchema schema) => _schema = schema;

    /// <summary>Rows in key order in, rows in key order out, each with the schema's fields in order.</summary>
    public abstract IEnumerable<Row> Apply(IEnumerable<Row> sortedRows);

    public IEnumerable<RecordBatch> Apply(IEnumerable<RecordBatch> sortedBatches)
    {
        var schema = Schema;
        var builder = new RecordBatchBuilder(schema, OutputBatchRows);
        foreach (var row in Apply(Rows(sortedBatches, schema)))
        {
            builder.Append(row);
            if (builder.Count == OutputBatchRows)
            {
                yield return builder.Build();
            }
        }
        if (builder.Count > 0)
        {
            yield return builder.Build();
        }
    }

    private static IEnumerable<Row> Rows(IEnumerable<RecordBatch> batches, TableSchema schema)
    {
        foreach (var batch in batches)
        {
            using (batch)
            {
                foreach (var row in BatchRows.ToRows(batch, schema))
                {
                    yield return row;
                }
            }
        }
    }
}
