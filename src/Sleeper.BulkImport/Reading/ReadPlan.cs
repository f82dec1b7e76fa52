using Sleeper.Core.Schema;
using Sleeper.Ingest.Input;

namespace Sleeper.BulkImport.Reading;

/// <summary>
/// Cuts the inputs into units that threads read independently. Every Parquet file is opened here, before any
/// work, so a file that is missing, not Parquet, or not of the table's schema fails the import (naming it)
/// before the table is touched.
/// </summary>
public sealed class ReadPlan
{
    private ReadPlan(IReadOnlyList<ReadUnit> units, long? knownRows)
    {
        Units = units;
        KnownRows = knownRows;
    }

    /// <summary>The units, largest first, so the last ones to finish are short.</summary>
    public IReadOnlyList<ReadUnit> Units { get; }

    /// <summary>The rows of the Parquet inputs from their metadata; null when some input is another format.</summary>
    public long? KnownRows { get; }

    /// <param name="rowsPerUnit">About how many rows of a Parquet file one unit covers (whole row groups).</param>
    public static ReadPlan For(IReadOnlyList<IIngestInput> inputs, TableSchema schema, long rowsPerUnit = 1_000_000)
    {
        var units = new List<(ReadUnit Unit, long Rows)>();
        long? known = 0;
        foreach (var input in inputs)
        {
            if (input is not ParquetInput parquet)
            {
                units.Add((new WholeInput(input), long.MaxValue));
                known = null;
                continue;
            }
            using var reader = parquet.OpenReader(schema, preBuffer: false);
            known += reader.RowCount;
            var groups = new List<int>();
            long rows = 0;
            foreach (var group in reader.RowGroups)
            {
                groups.Add(group.Index);
                rows += group.RowCount;
                if (rows >= rowsPerUnit)
                {
                    units.Add((new ParquetRowGroups(parquet, groups, rows), rows));
                    groups = [];
                    rows = 0;
                }
            }
            if (groups.Count > 0)
            {
                units.Add((new ParquetRowGroups(parquet, groups, rows), rows));
            }
        }
        return new ReadPlan(units.OrderByDescending(u => u.Rows).Select(u => u.Unit).ToList(), known);
    }
}
