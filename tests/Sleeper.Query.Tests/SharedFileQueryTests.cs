using Sleeper.Core;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Ingest;
using Sleeper.Instance;
using Xunit;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Query.Tests;

/// <summary>Queries over one file that several leaf partitions reference, and row-group pruning.</summary>
public sealed class SharedFileQueryTests
{
    private static readonly TableSchema Schema = new(
        [new Field("key", LongType.Instance)],
        [new Field("sort", IntType.Instance)],
        [new Field("value", StringType.Instance)]);

    private static async Task<(Sleeper.Core.Tables.SleeperTable Table, List<Row> Rows)> OneFileOverFourLeavesAsync(string folder)
    {
        var instance = await EmbeddedInstance.CreateAsync(Path.Combine(folder, "instance"));
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.IngestFileWritingStrategy.Name, IngestRunner.OneReferencePerLeaf);
        properties.Set(TableProperty.RowGroupRowsMax.Name, "7");
        var table = await instance.CreateTableAsync("shared", Schema, properties,
            PartitionsBuilder.FromSplitPoints(Schema, [100L, 200L, 300L]));
        // Keys 0..399 in a shuffled order, with every fourth key twice.
        var random = new Random(42);
        var rows = Enumerable.Range(0, 400).Select(i => new Row([(long)i, i % 3, $"v{i}"]))
            .Concat(Enumerable.Range(0, 100).Select(i => new Row([(long)(i * 4), -1, $"again{i}"])))
            .OrderBy(_ => random.Next()).ToList();
        await new IngestRunner(table).IngestBatchesAsync([ModelTable.Batch(Schema, rows)]);
        return (table, rows);
    }

    [Fact]
    public async Task A_file_referenced_from_several_leaves_returns_each_row_once()
    {
        using var temp = new TempFolder();
        var (table, rows) = await OneFileOverFourLeavesAsync(temp.Path);
        var state = await table.StateStore.GetStateAsync();
        var file = Assert.Single(state.Files.Values);
        Assert.Equal(4, file.References.Count);
        Assert.All(file.References.Values, r => Assert.False(r.OnlyContainsDataForThisPartition));
        Assert.Equal(125, file.References.Values.Min(r => r.NumberOfRows));

        var query = new QueryExecutor(table);
        var (all, _) = await ModelTable.RunAsync(query, [Region.Whole(Schema)]);
        Assert.Equal(rows.Select(ModelValues.Canonical).Order(StringComparer.Ordinal), all.Select(ModelValues.Canonical).Order(StringComparer.Ordinal));
        Assert.Equal(1, query.LastStatistics.FilesRead);
        Assert.Equal(4, query.LastStatistics.LeafPartitions);

        // A range across a split point, and overlapping regions in two leaves.
        var field = Schema.RowKeyFields[0];
        var across = Region.ForFirstFieldRange(Schema, new KeyRange(field, 95L, false, 205L, true));
        var inside = Region.ForFirstFieldRange(Schema, new KeyRange(field, 100L, true, 110L, false));
        var (some, _) = await ModelTable.RunAsync(query, [across, inside]);
        var expected = rows.Where(r => (long)r.Values[0]! is > 95 and <= 205).Select(ModelValues.Canonical).Order(StringComparer.Ordinal);
        Assert.Equal(expected, some.Select(ModelValues.Canonical).Order(StringComparer.Ordinal));
        Assert.Equal(some.Select(r => (long)r.Values[0]!).Order(), some.Select(r => (long)r.Values[0]!));
    }

    [Fact]
    public async Task A_narrow_query_skips_row_groups_whose_keys_cannot_match()
    {
        using var temp = new TempFolder();
        var (table, _) = await OneFileOverFourLeavesAsync(temp.Path);
        var query = new QueryExecutor(table);

        var (found, _) = await ModelTable.RunAsync(query, [Region.ForKey(Schema, Key.Of(212L))]);

        Assert.Equal([212L, 212L], found.Select(r => (long)r.Values[0]!));
        Assert.True(query.LastStatistics.RowGroupsSkipped > 0, $"{query.LastStatistics.RowGroupsSkipped} row groups skipped");
        Assert.True(query.LastStatistics.RowGroupsRead <= 2, $"{query.LastStatistics.RowGroupsRead} row groups read for one key");
        Assert.True(query.LastStatistics.RowsScanned <= 14, $"{query.LastStatistics.RowsScanned} rows scanned for one key");
    }
}
