using Sleeper.Core.Batches;
using Sleeper.Core.Keys;
using Sleeper.Core.Tables;
using Sleeper.Query;

namespace Sleeper.Ingest.Tests;

/// <summary>What an ingest may change: the state store's files and references, the files in the table's data folder, and the rows a query returns.</summary>
public sealed record TableSnapshot(IReadOnlyList<string> References, IReadOnlyList<string> DataFiles, IReadOnlyList<IReadOnlyList<object?>> Rows)
{
    public static async Task<TableSnapshot> TakeAsync(SleeperTable table)
    {
        var state = await table.StateStore.GetStateAsync();
        var references = state.Files.Values
            .SelectMany(f => f.References.Values.Select(r => $"{f.Filename} @ {r.PartitionId}: {r.NumberOfRows} rows"))
            .Order(StringComparer.Ordinal).ToList();
        var data = Path.Combine(table.LocalFolder(), "data");
        var files = Directory.Exists(data)
            ? Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(data, f)).Order(StringComparer.Ordinal).ToList()
            : [];
        var rows = new List<IReadOnlyList<object?>>();
        await foreach (var batch in new QueryExecutor(table, TimeProvider.System).RunAsync([Region.Whole(table.Schema)]))
        {
            using (batch)
            {
                rows.AddRange(BatchRows.ToRows(batch, table.Schema).Select(r => (IReadOnlyList<object?>)r.Values));
            }
        }
        return new TableSnapshot(references, files, rows);
    }

    /// <summary>Fails unless the table holds the same references, data files and rows as <paramref name="expected"/>.</summary>
    public void AssertSameAs(TableSnapshot expected)
    {
        Xunit.Assert.Equal(expected.References, References);
        Xunit.Assert.Equal(expected.DataFiles, DataFiles);
        Xunit.Assert.Equal(expected.Rows.Select(Show), Rows.Select(Show));
    }

    private static string Show(IReadOnlyList<object?> row) =>
        string.Join('|', row.Select(v => v is byte[] b ? Convert.ToHexString(b) : v?.ToString()));
}
