using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;
using Sleeper.Core.Sketches;
using Xunit;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Core.Tests.Sketches;

public class RowKeySketchesTests
{
    private static readonly TableSchema s_schema = new(
        [new Field("key", StringType.Instance), new Field("id", IntType.Instance), new Field("blob", ByteArrayType.Instance), new Field("big", LongType.Instance)],
        [new Field("timestamp", LongType.Instance)],
        [new Field("value", StringType.Instance, Nullable: true)]);

    private static RecordBatch Batch(string[] keys, int[] ids, byte[][] blobs, long[] bigs)
    {
        var n = keys.Length;
        var key = new StringArray.Builder().AppendRange(keys).Build();
        var id = new Int32Array.Builder().AppendRange(ids).Build();
        var blobBuilder = new BinaryArray.Builder();
        foreach (var b in blobs)
        {
            blobBuilder.Append(b.AsSpan());
        }
        var big = new Int64Array.Builder().AppendRange(bigs).Build();
        var timestamp = new Int64Array.Builder().AppendRange(Enumerable.Range(0, n).Select(i => (long)i)).Build();
        var value = new StringArray.Builder().AppendRange(Enumerable.Range(0, n).Select(i => i % 3 == 0 ? null : "v")).Build();
        return new RecordBatch(ArrowSchemas.ToArrow(s_schema), [key, id, blobBuilder.Build(), big, timestamp, value], n);
    }

    private static (RowKeySketches Sketches, string[] Keys, int[] Ids, byte[][] Blobs, long[] Bigs) Sketched(int n, int batchSize, int seed)
    {
        var keys = TestData.Strings(n, seed, skewed: false);
        var ids = TestData.SkewedInts(n, seed);
        var blobs = TestData.ByteArrays(n, seed, skewed: true);
        var bigs = TestData.UniformLongs(n, seed);
        var sketches = new RowKeySketches(s_schema, random: new Random(seed));
        for (var start = 0; start < n; start += batchSize)
        {
            var end = Math.Min(n, start + batchSize);
            sketches.UpdateFromBatch(Batch(keys[start..end], ids[start..end], blobs[start..end], bigs[start..end]));
        }
        return (sketches, keys, ids, blobs, bigs);
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(65_536)]
    public void Sketches_from_batches_are_accurate_for_every_key_field(int batchSize)
    {
        var (sketches, keys, ids, blobs, bigs) = Sketched(300_000, batchSize, 3);
        Assert.Equal(300_000, sketches.RowCount);
        QuantileAssert.Accurate(((KeyFieldSketch<string>)sketches["key"]).Sketch, keys, 0.01);
        QuantileAssert.Accurate(((KeyFieldSketch<int>)sketches["id"]).Sketch, ids, 0.01);
        QuantileAssert.Accurate(((KeyFieldSketch<byte[]>)sketches["blob"]).Sketch, blobs, 0.01);
        QuantileAssert.Accurate(((KeyFieldSketch<long>)sketches["big"]).Sketch, bigs, 0.01);
    }

    [Fact]
    public void Merged_sketches_cover_both_inputs()
    {
        var (a, keysA, _, _, _) = Sketched(50_000, 10_000, 1);
        var (b, keysB, _, _, _) = Sketched(70_000, 10_000, 2);
        a.Merge(b);
        Assert.Equal(120_000, a.RowCount);
        QuantileAssert.Accurate(((KeyFieldSketch<string>)a["key"]).Sketch, [.. keysA, .. keysB], 0.01);
    }

    [Fact]
    public void Sketches_round_trip_through_bytes()
    {
        var (sketches, _, _, _, _) = Sketched(40_000, 8_000, 4);
        var read = RowKeySketches.Deserialize(s_schema, sketches.Serialize());
        for (var i = 0; i < s_schema.RowKeyFields.Count; i++)
        {
            var before = sketches.Fields[i];
            var after = read.Fields[i];
            Assert.Equal(before.N, after.N);
            Assert.True(KeyValues.ValueEquals(before.MinValue, after.MinValue));
            Assert.True(KeyValues.ValueEquals(before.MaxValue, after.MaxValue));
            Assert.Equal(before.GetSplitPoints(8), after.GetSplitPoints(8));
        }
    }

    [Fact]
    public void Sketches_of_another_schema_are_rejected_naming_the_field()
    {
        var (sketches, _, _, _, _) = Sketched(1_000, 1_000, 5);
        var other = new TableSchema([new Field("key", StringType.Instance), new Field("id", LongType.Instance), new Field("blob", ByteArrayType.Instance), new Field("big", LongType.Instance)]);
        var e = Assert.Throws<SleeperException>(() => RowKeySketches.Deserialize(other, sketches.Serialize()));
        Assert.Contains("'id'", e.Message);
        Assert.Throws<SleeperException>(() => RowKeySketches.Deserialize(s_schema, [1, 2, 3, 4, 5]));
    }

    [Fact]
    public void A_batch_without_a_row_key_column_is_rejected_naming_the_field()
    {
        var sketches = new RowKeySketches(new TableSchema([new Field("missing", StringType.Instance)]));
        var batch = Batch(["a"], [1], [[1]], [1]);
        var e = Assert.Throws<SleeperException>(() => sketches.UpdateFromBatch(batch));
        Assert.Contains("'missing'", e.Message);
    }

    [Fact]
    public void A_batch_sorted_by_key_sketches_exactly_as_when_its_order_is_not_known()
    {
        // Sorted by the first row key with every key distinct, as SortedParquetWriter is given rows; a sketch
        // told so compares positions, and with the same random choices must keep exactly the same items.
        const int n = 50_000;
        var keys = TestData.Strings(n, 7, skewed: false).Distinct().Order(Comparer<string>.Create(Utf8Ordinal.Compare)).ToArray();
        var rows = keys.Length;
        using var batch = Batch(keys, new int[rows], Enumerable.Range(0, rows).Select(i => new[] { (byte)i }).ToArray(), new long[rows]);
        var told = new RowKeySketches(s_schema, random: new Random(3));
        var notTold = new RowKeySketches(s_schema, random: new Random(3));

        told.UpdateFromBatch(batch, sortedByKey: true);
        notTold.UpdateFromBatch(batch);

        Assert.True(rows > 20_000, $"only {rows} distinct keys");
        Assert.Equal(notTold.Serialize(), told.Serialize());
        Assert.Equal(notTold.Fields[0].GetQuantile(0.5), told.Fields[0].GetQuantile(0.5));
    }
}
