using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Iterators;
using Sleeper.Core.Schema;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Core.Tests.Iterators;

public class AggregatorTests
{
    private static readonly TableSchema s_schema = new(
        [new Field("key", StringType.Instance)],
        [],
        [new Field("total", IntType.Instance, Nullable: true), new Field("big", LongType.Instance, Nullable: true),
         new Field("low", IntType.Instance, Nullable: true), new Field("high", LongType.Instance, Nullable: true)]);

    [Fact]
    public void Numbers_are_summed_with_wrapping_and_folded_to_min_and_max_per_key_skipping_nulls_like_a_model()
    {
        var aggregator = Aggregator.Parse("sum(total), sum(big), min(low), max(high)", s_schema)!;
        var random = new Random(17);
        for (var round = 0; round < 30; round++)
        {
            // Sorted rows with a few keys each repeated; values near the ends of their types so sums wrap.
            var keys = Enumerable.Range(0, random.Next(1, 300)).Select(_ => $"k{random.Next(20):D2}").Order(StringComparer.Ordinal).ToList();
            int? RandomInt() => random.Next(4) == 0 ? null : random.Next(3) == 0 ? int.MaxValue - random.Next(3) : random.Next(-5, 5);
            long? RandomLong() => random.Next(4) == 0 ? null : random.Next(3) == 0 ? long.MinValue + random.Next(3) : random.Next(-5, 5);
            var rows = keys.Select(k => new Row([k, RandomInt(), RandomLong(), RandomInt(), RandomLong()])).ToList();
            // Split into batches at random, so groups cross batch boundaries.
            var batches = new List<RecordBatch>();
            for (var start = 0; start < rows.Count;)
            {
                var length = Math.Min(rows.Count - start, random.Next(1, 60));
                batches.Add(Batch(rows.GetRange(start, length)));
                start += length;
            }

            var result = aggregator.Apply(batches).SelectMany(b => BatchRows.ToRows(b, s_schema)).ToList();

            var expected = rows.GroupBy(r => (string)r.Values[0]!).Select(g => new Row([
                g.Key,
                Fold(g.Select(r => (int?)r.Values[1]), v => v.Aggregate(0, (a, b) => unchecked(a + b))),
                Fold(g.Select(r => (long?)r.Values[2]), v => v.Aggregate(0L, (a, b) => unchecked(a + b))),
                Fold(g.Select(r => (int?)r.Values[3]), v => v.Min()),
                Fold(g.Select(r => (long?)r.Values[4]), v => v.Max()),
            ])).ToList();
            Assert.Equal(expected.Select(r => string.Join('|', r.Values)), result.Select(r => string.Join('|', r.Values)));
        }
    }

    private static T? Fold<T>(IEnumerable<T?> values, Func<IEnumerable<T>, T> fold) where T : struct
    {
        var present = values.Where(v => v.HasValue).Select(v => v!.Value).ToList();
        return present.Count == 0 ? null : fold(present);
    }

    private static RecordBatch Batch(IReadOnlyList<Row> rows)
    {
        var builder = new RecordBatchBuilder(s_schema, rows.Count);
        foreach (var row in rows)
        {
            builder.Append(row);
        }
        return builder.Build();
    }
}
