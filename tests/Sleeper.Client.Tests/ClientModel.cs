using System.Text;
using Sleeper.Client;
using Sleeper.Core;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;

namespace Sleeper.Client.Tests;

/// <summary>
/// The rows a test table should hold, as a plain list, and random queries with the answer the list gives: the
/// model the client's queries are checked against.
/// </summary>
public sealed class ClientModel(int seed)
{
    /// <summary>Two row keys (so regions have two dimensions), a sort key, and a nullable value.</summary>
    public static readonly TableSchema Schema = new(
        [new Field("k", StringType.Instance), new Field("n", LongType.Instance)],
        [new Field("t", LongType.Instance)],
        [new Field("v", StringType.Instance, Nullable: true)]);

    public static readonly string[] SplitPoints = ["k10", "k20"];

    private readonly Random _random = new(seed);
    private readonly List<Row> _rows = [];

    public IReadOnlyList<Row> Rows => _rows;

    /// <summary>New random rows, added to the model (the caller writes them to the table).</summary>
    public List<Row> NewRows(int count)
    {
        var rows = new List<Row>(count);
        for (var i = 0; i < count; i++)
        {
            rows.Add(new Row([
                $"k{_random.Next(30):D2}",
                (long)_random.Next(10),
                (long)_random.Next(1000),
                _random.Next(4) == 0 ? null : $"v{_random.Next(100_000)}",
            ]));
        }
        _rows.AddRange(rows);
        return rows;
    }

    /// <summary>Rows written as JSON lines to a file, added to the model.</summary>
    public string WriteJsonLines(string path, int count)
    {
        var text = new StringBuilder();
        foreach (var row in NewRows(count))
        {
            var v = row[3] is string s ? $"\"{s}\"" : "null";
            text.Append($"{{\"k\": \"{row[0]}\", \"n\": {row[1]}, \"t\": {row[2]}, \"v\": {v}}}\n");
        }
        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>A random query (exact keys, a range of k, or regions over k and n), maybe with a projection, and the model's answer.</summary>
    public (SleeperQuery Query, List<Row> Expected) RandomQuery()
    {
        var regions = new List<Func<Row, bool>>();
        SleeperQuery query;
        switch (_random.Next(3))
        {
            case 0:
            {
                var keys = Enumerable.Range(0, 1 + _random.Next(4)).Select(_ => Key.Of(Word(), (long)_random.Next(11))).ToList();
                regions.AddRange(keys.Select(key => (Func<Row, bool>)(r => (string)r[0]! == (string)key[0] && (long)r[1]! == (long)key[1])));
                query = SleeperQuery.ForKeys(keys);
                break;
            }
            case 1:
            {
                var (min, max) = Ordered(Word(), Word());
                var maxOrNull = _random.Next(5) == 0 ? null : max;
                regions.Add(r => string.CompareOrdinal((string)r[0]!, min) >= 0 && (maxOrNull is null || string.CompareOrdinal((string)r[0]!, maxOrNull) < 0));
                query = SleeperQuery.ForRange(min, maxOrNull);
                if (min == maxOrNull)
                {
                    // An empty range is refused; ask for one key instead.
                    query = SleeperQuery.ForRange(min, maxOrNull, maxInclusive: true);
                    regions[0] = r => (string)r[0]! == min;
                }
                break;
            }
            default:
            {
                var list = new List<QueryRegion>();
                for (var i = 1 + _random.Next(3); i > 0; i--)
                {
                    var (kMin, kMax) = Ordered(Word(), Word());
                    var (nMin, nMax) = ((long)_random.Next(10), (long)_random.Next(10));
                    (nMin, nMax) = (Math.Min(nMin, nMax), Math.Max(nMin, nMax));
                    bool kMinIn = _random.Next(2) == 0, kMaxIn = _random.Next(2) == 0 || kMin == kMax, nMinIn = true, nMaxIn = true;
                    if (kMin == kMax)
                    {
                        kMinIn = true;
                    }
                    list.Add(new QueryRegion(new Dictionary<string, QueryRange>
                    {
                        ["k"] = new QueryRange(kMin, kMax, kMinIn, kMaxIn),
                        ["n"] = new QueryRange(nMin, nMax, nMinIn, nMaxIn),
                    }));
                    regions.Add(r => In(string.CompareOrdinal((string)r[0]!, kMin), string.CompareOrdinal((string)r[0]!, kMax), kMinIn, kMaxIn)
                        && In(((long)r[1]!).CompareTo(nMin), ((long)r[1]!).CompareTo(nMax), nMinIn, nMaxIn));
                }
                query = SleeperQuery.ForRegions([.. list]);
                break;
            }
        }
        var expected = Sorted(_rows.Where(r => regions.Any(p => p(r))));
        if (_random.Next(3) == 0)
        {
            query = query with { Fields = ["n", "v", "k"] };
            expected = expected.Select(r => new Row([r[1], r[3], r[0]])).ToList();
        }
        return (query, expected);
    }

    /// <summary>Rows in key order (k, n, t), ties broken by value so two lists of the same rows compare equal.</summary>
    public static List<Row> Sorted(IEnumerable<Row> rows) => rows
        .OrderBy(r => (string)r[0]!, StringComparer.Ordinal).ThenBy(r => (long)r[1]!).ThenBy(r => (long)r[2]!)
        .ThenBy(r => r[3] as string, StringComparer.Ordinal).ToList();

    /// <summary>Checks the rows of a result came out in row-key order (k, then n), wherever the query put those fields.</summary>
    public static void CheckKeyOrder(IReadOnlyList<Row> actual, IReadOnlyList<string>? fields)
    {
        int ki = fields is null ? 0 : fields.ToList().IndexOf("k"), ni = fields is null ? 1 : fields.ToList().IndexOf("n");
        for (var i = 1; i < actual.Count; i++)
        {
            var c = string.CompareOrdinal((string)actual[i - 1][ki]!, (string)actual[i][ki]!);
            Assert.True(c < 0 || (c == 0 && (long)actual[i - 1][ni]! <= (long)actual[i][ni]!), $"Rows {i - 1} and {i} are out of key order: {actual[i - 1]}, {actual[i]}");
        }
    }

    /// <summary>Rows of all fields, or of the projection (n, v, k), in one order whatever order ties came in.</summary>
    public static List<Row> Canonical(IEnumerable<Row> rows, IReadOnlyList<string>? fields) => fields is null
        ? Sorted(rows)
        : rows.OrderBy(r => (string)r[2]!, StringComparer.Ordinal).ThenBy(r => (long)r[0]!).ThenBy(r => r[1] as string, StringComparer.Ordinal).ToList();

    private static bool In(int vsMin, int vsMax, bool minInclusive, bool maxInclusive) =>
        (vsMin > 0 || (vsMin == 0 && minInclusive)) && (vsMax < 0 || (vsMax == 0 && maxInclusive));

    private string Word() => $"k{_random.Next(32):D2}";

    private static (string, string) Ordered(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? (a, b) : (b, a);
}
