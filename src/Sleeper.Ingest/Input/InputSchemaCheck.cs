using Sleeper.Core.Schema;

namespace Sleeper.Ingest.Input;

/// <summary>
/// Checks that every input of an ingest matches the table's schema before any of them is read in earnest, so a
/// job naming one bad file among many fails at once, naming that file and field, having written nothing.
/// </summary>
/// <remarks>
/// Each input is opened and its first row read: that is when a Parquet file's columns and types and a CSV
/// file's header are checked (and the first row of JSON lines, which has no schema of its own). Rows further in
/// are checked as the ingest reads them; a bad one still fails the ingest before its one commit.
/// </remarks>
public static class InputSchemaCheck
{
    public static void CheckAll(IEnumerable<IIngestInput> inputs, TableSchema schema, CancellationToken cancellationToken = default)
    {
        foreach (var input in inputs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var batches = input.ReadBatches(schema, maxRows: 1).GetEnumerator();
            if (batches.MoveNext())
            {
                batches.Current.Dispose();
            }
        }
    }
}
