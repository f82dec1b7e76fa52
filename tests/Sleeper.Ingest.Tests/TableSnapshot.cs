using Sleeper.Core.Tables;

namespace Sleeper.Ingest.Tests;

/// <summary>What an ingest may change: the state store's files and references, and the files in the table's data folder.</summary>
public sealed record TableSnapshot(IReadOnlyList<string> References, IReadOnlyList<string> DataFiles)
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
        return new TableSnapshot(references, files);
    }

    /// <summary>Fails unless the table holds the same references and data files as <paramref name="expected"/>.</summary>
    public void AssertSameAs(TableSnapshot expected)
    {
        Xunit.Assert.Equal(expected.References, References);
        Xunit.Assert.Equal(expected.DataFiles, DataFiles);
    }
}
