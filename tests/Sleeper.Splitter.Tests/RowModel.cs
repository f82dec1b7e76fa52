using Sleeper.Core;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;

namespace Sleeper.Splitter.Tests;

/// <summary>
/// The plain model a table is checked against: every row ingested, in a list. Each row carries a unique sequence
/// number as its last field, so "every row exactly once" is a comparison of sets of numbers. Keys are ordered
/// here independently of the production comparers.
/// </summary>
internal sealed class RowModel(TableSchema schema)
{
    private readonly List<Row> _rows = [];
    private long _next;

    public TableSchema Schema { get; } = schema;

    public IReadOnlyList<Row> Rows => _rows;

    /// <summary>Makes a row from its key values, numbering it, and remembers it.</summary>
    public Row Add(params object[] keys)
    {
        var row = new Row([.. keys, _next++]);
        _rows.Add(row);
        return row;
    }

    /// <summary>The sequence numbers of the rows in any of the regions, in order.</summary>
    public List<long> Expected(IReadOnlyList<Region> regions) =>
        _rows.Where(r => regions.Any(g => ModelOrder.Contains(g, r))).Select(Sequence).Order().ToList();

    public long Sequence(Row row) => (long)row.Values[^1]!;

    public int CompareKeys(Row a, Row b)
    {
        for (var i = 0; i < Schema.KeyFieldCount; i++)
        {
            var c = ModelOrder.Compare(a.Values[i]!, b.Values[i]!);
            if (c != 0)
            {
                return c;
            }
        }
        return 0;
    }

    /// <summary>Checks the rows came back in key order and are exactly the model's rows in the regions.</summary>
    public void AssertMatches(IReadOnlyList<Region> regions, IReadOnlyList<Row> actual, string context)
    {
        for (var i = 1; i < actual.Count; i++)
        {
            Assert.True(CompareKeys(actual[i - 1], actual[i]) <= 0, $"{context}: row {actual[i]} comes after a larger key {actual[i - 1]}.");
        }
        var expected = Expected(regions);
        var got = actual.Select(Sequence).Order().ToList();
        var duplicated = got.GroupBy(x => x).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToList();
        Assert.True(duplicated.Count == 0, $"{context}: rows returned more than once: {string.Join(", ", duplicated)}.");
        var missing = expected.Except(got).Take(5).ToList();
        var extra = got.Except(expected).Take(5).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0 && expected.Count == got.Count,
            $"{context}: expected {expected.Count} rows, got {got.Count}; missing {string.Join(", ", missing)}; unexpected {string.Join(", ", extra)}.");
    }
}
