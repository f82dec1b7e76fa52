using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Core.Tests.Batches;

/// <summary>Schemas and seeded random rows for the batch kernel tests, with plain row-based reference operations.</summary>
internal static class TestData
{
    public static TableSchema Standard { get; } = new(
        [new Field("key", StringType.Instance)],
        [new Field("timestamp", LongType.Instance)],
        [new Field("value", StringType.Instance)]);

    /// <summary>Every field type, nullable and not, with three row keys of different types.</summary>
    public static TableSchema EveryType { get; } = new(
        [new Field("id", IntType.Instance), new Field("name", StringType.Instance), new Field("blob", ByteArrayType.Instance)],
        [new Field("ts", LongType.Instance)],
        [
            new Field("text", StringType.Instance, true),
            new Field("count", IntType.Instance, true),
            new Field("big", LongType.Instance, true),
            new Field("bytes", ByteArrayType.Instance, true),
            new Field("longs", new ListType(LongType.Instance), true),
            new Field("tags", new ListType(StringType.Instance)),
            new Field("scores", new MapType(StringType.Instance, IntType.Instance), true),
            new Field("blobs", new MapType(IntType.Instance, ByteArrayType.Instance)),
        ]);

    public static TableSchema LongFirst { get; } = new(
        [new Field("n", LongType.Instance), new Field("s", StringType.Instance)],
        [new Field("i", IntType.Instance)],
        [new Field("v", ByteArrayType.Instance, true)]);

    public static TableSchema BytesFirst { get; } = new(
        [new Field("b", ByteArrayType.Instance), new Field("i", IntType.Instance)],
        null,
        [new Field("v", IntType.Instance)]);

    public static TableSchema IntOnly { get; } = new([new Field("i", IntType.Instance)]);

    public static TheoryData<string> SchemaNames => new(nameof(Standard), nameof(EveryType), nameof(LongFirst), nameof(BytesFirst), nameof(IntOnly));

    public static TableSchema Named(string name) => name switch
    {
        nameof(Standard) => Standard,
        nameof(EveryType) => EveryType,
        nameof(LongFirst) => LongFirst,
        nameof(BytesFirst) => BytesFirst,
        nameof(IntOnly) => IntOnly,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    // Few distinct pieces so that keys tie and share prefixes; multi-byte and astral characters whose
    // UTF-8 order differs from UTF-16 order.
    private static readonly string[] s_pieces = ["a", "b", "z", "\0", "é", "ß", "中", "\uE000", "\uFFFD", "😀", "\U0010FFFF", "abcdefgh"];
    private static readonly int[] s_ints = [int.MinValue, int.MinValue + 1, -1, 0, 1, int.MaxValue - 1, int.MaxValue];
    private static readonly long[] s_longs = [long.MinValue, -1L << 32, -1, 0, 1, 1L << 32, long.MaxValue];
    private static readonly byte[] s_bytes = [0, 1, 0x7F, 0x80, 0xFF];

    public static object? RandomValue(Random random, SleeperType type, bool nullable)
    {
        if (nullable && random.Next(5) == 0)
        {
            return null;
        }
        return type switch
        {
            IntType => random.Next(3) switch
            {
                0 => s_ints[random.Next(s_ints.Length)],
                1 => random.Next(-3, 4),
                _ => random.Next(int.MinValue, int.MaxValue),
            },
            LongType => random.Next(3) switch
            {
                0 => s_longs[random.Next(s_longs.Length)],
                1 => (long)random.Next(-3, 4),
                _ => random.NextInt64(long.MinValue, long.MaxValue),
            },
            StringType => RandomString(random),
            ByteArrayType => RandomBytes(random),
            ListType list => Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, list.ElementType, false)).ToList(),
            MapType map => RandomMap(random, map),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
    }

    public static string RandomString(Random random)
    {
        var length = random.Next(4) == 0 ? random.Next(8, 16) : random.Next(4);
        return string.Concat(Enumerable.Range(0, length).Select(_ => s_pieces[random.Next(s_pieces.Length)]));
    }

    public static byte[] RandomBytes(Random random)
    {
        var length = random.Next(4) == 0 ? random.Next(8, 14) : random.Next(4);
        return Enumerable.Range(0, length).Select(_ => random.Next(2) == 0 ? s_bytes[random.Next(s_bytes.Length)] : (byte)random.Next(256)).ToArray();
    }

    private static Dictionary<object, object?> RandomMap(Random random, MapType map)
    {
        var result = new Dictionary<object, object?>();
        for (var i = random.Next(4); i > 0; i--)
        {
            result[RandomValue(random, map.KeyType, false)!] = RandomValue(random, map.ValueType, true);
        }
        return result;
    }

    public static Row RandomRow(Random random, TableSchema schema) =>
        new(schema.AllFields.Select(f => RandomValue(random, f.Type, f.Nullable)).ToArray());

    public static List<Row> RandomRows(Random random, TableSchema schema, int count) =>
        Enumerable.Range(0, count).Select(_ => RandomRow(random, schema)).ToList();

    public static RecordBatch ToBatch(TableSchema schema, IEnumerable<Row> rows)
    {
        var builder = new RecordBatchBuilder(schema, 4);
        foreach (var row in rows)
        {
            builder.Append(row);
        }
        return builder.Build();
    }

    public static List<Row> ToRows(RecordBatch batch, TableSchema schema) => BatchRows.ToRows(batch, schema).ToList();

    /// <summary>The reference order: the key comparer of Sleeper.Core.Keys on boxed key values.</summary>
    public static Comparer<Row> KeyOrder(TableSchema schema)
    {
        var comparer = KeyComparer.ForRowAndSortKeys(schema);
        var keyCount = schema.KeyFieldCount;
        return Comparer<Row>.Create((a, b) => comparer.Compare(KeyOf(a, keyCount), KeyOf(b, keyCount)));
    }

    public static object[] KeyOf(Row row, int keyCount) => row.Values.Take(keyCount).Select(v => v!).ToArray();

    public static Key RowKeyOf(Row row, TableSchema schema) => new(KeyOf(row, schema.RowKeyFields.Count));

    public static void AssertRowsEqual(IReadOnlyList<Row> expected, IReadOnlyList<Row> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            if (!expected[i].Equals(actual[i]))
            {
                Assert.Fail($"Row {i} differs: expected {expected[i]}, got {actual[i]}.");
            }
        }
    }
}
