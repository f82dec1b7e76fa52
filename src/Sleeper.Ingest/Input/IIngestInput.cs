using Apache.Arrow;
using Sleeper.Core.Schema;

namespace Sleeper.Ingest.Input;

/// <summary>A source of rows to ingest: each yields validated, unsorted batches in the table's column order.</summary>
public interface IIngestInput
{
    /// <summary>The file name (or "standard input"), used in errors.</summary>
    string Name { get; }

    /// <summary>Reads validated batches of at most <paramref name="maxRows"/> rows; throws naming the file, line and field on bad input.</summary>
    IEnumerable<RecordBatch> ReadBatches(TableSchema schema, int maxRows);
}
