using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;
using ArrowTypes = Apache.Arrow.Types;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Parquet.Tests;

/// <summary>A schema with every type, rows for it in key order, and conversions between rows and Arrow batches.</summary>
internal static class TestTables
{
    public static readonly TableSchema AllTypes = new(
        [new Field("key", StringType.Instance), new Field("bin", ByteArrayType.Instance)],
        [new Field("ts", LongType.Instance), new Field("n", IntType.Instance)],
        [
            new Field("v", StringType.Instance, Nullable: true),
            new Field("b", ByteArrayType.Instance, Nullable: true),
            new Field("i", IntType.Instance, Nullable: true),
            new Field("l", LongType.Instance),
            new Field("tags", new ListType(StringType.Instance), Nullable: true),
            new Field("longs", new ListType(LongType.Instance)),
            new Field("counts", new MapType(StringType.Instance, LongType.Instance), Nullable: true),
        ]);

    public static readonly TableSchema Standard = new(
        [new Field("key", StringType.Instance)],
        [new Field("timestamp", LongType.Instance)],
        [new Field("value", StringType.Instance)]);

    private static readonly string[] s_words = ["", "a", "é", "中文", "😀", "\uFF21", "zz"];

    /// <summary>Rows of <see cref="AllTypes"/> sorted by key, with extremes, empties and nulls.</summary>
    public static object?[][] AllTypesRows(int count, int seed = 1)
    {
        var random = new Random(seed);
        var rows = new object?[count][];
        for (var r = 0; r < count; r++)
        {
            var key = $"{s_words[random.Next(s_words.Length)]}{random.Next(1000):D3}{s_words[random.Next(s_words.Length)]}";
            var bin = new byte[random.Next(0, 4)];
            random.NextBytes(bin);
            long ts = (r % 5) switch { 0 => long.MinValue, 1 => long.MaxValue, _ => random.NextInt64(long.MinValue, long.MaxValue) };
            var n = (r % 3) switch { 0 => int.MinValue, 1 => int.MaxValue, _ => random.Next() };
            string? v = (r % 4) switch { 0 => null, 1 => "", _ => new string('x', random.Next(50)) + s_words[random.Next(s_words.Length)] };
            byte[]? b = r % 6 == 0 ? null : (r % 6 == 1 ? [] : [0, 0xFF, (byte)r]);
            int? i = r % 7 == 0 ? null : random.Next(int.MinValue, int.MaxValue);
            var l = (r % 2) == 0 ? long.MinValue + r : long.MaxValue - r;
            List<object?>? tags = (r % 5) switch { 0 => null, 1 => [], _ => ["t1", "", "é"] };
            List<object?> longs = r % 3 == 0 ? [] : [long.MinValue, 0L, long.MaxValue];
            Dictionary<object, object?>? counts = (r % 4) switch { 0 => null, 1 => [], _ => new() { ["a"] = 1L, ["中"] = null, [""] = long.MaxValue } };
            rows[r] = [key, bin, ts, n, v, b, i, l, tags, longs, counts];
        }
        System.Array.Sort(rows, (x, y) => CompareKeys(AllTypes, x, y));
        return rows;
    }

    public static int CompareKeys(TableSchema schema, object?[] x, object?[] y)
    {
        for (var f = 0; f < schema.KeyFieldCount; f++)
        {
            var c = KeyValues.Compare(schema.AllFields[f].PrimitiveType, x[f]!, y[f]!);
            if (c != 0)
            {
                return c;
            }
        }
        return 0;
    }

    public static RecordBatch ToBatch(TableSchema schema, IReadOnlyList<object?[]> rows)
    {
        var arrays = new IArrowArray[schema.AllFields.Count];
        for (var f = 0; f < arrays.Length; f++)
        {
            arrays[f] = BuildColumn(schema.AllFields[f].Type, rows.Select(r => r[f]).ToList());
        }
        return new RecordBatch(ArrowSchemas.ToArrow(schema), arrays, rows.Count);
    }

    public static List<object?[]> ToRows(IEnumerable<RecordBatch> batches)
    {
        var rows = new List<object?[]>();
        foreach (var batch in batches)
        {
            for (var r = 0; r < batch.Length; r++)
            {
                var row = new object?[batch.ColumnCount];
                for (var c = 0; c < batch.ColumnCount; c++)
                {
                    row[c] = ValueAt(batch.Column(c), r);
                }
                rows.Add(row);
            }
        }
        return rows;
    }

    public static object? ValueAt(IArrowArray array, int index)
    {
        if (array.IsNull(index))
        {
            return null;
        }
        switch (array)
        {
            case Int32Array a:
                return a.GetValue(index);
            case Int64Array a:
                return a.GetValue(index);
            case StringArray a:
                return a.GetString(index);
            case BinaryArray a:
                return a.GetBytes(index).ToArray();
            case MapArray m:
                var keys = m.Keys;
                var values = m.Values;
                var map = new Dictionary<object, object?>();
                for (var i = m.ValueOffsets[index]; i < m.ValueOffsets[index + 1]; i++)
                {
                    map[ValueAt(keys, i)!] = ValueAt(values, i);
                }
                return map;
            case ListArray l:
                var list = new List<object?>();
                for (var i = l.ValueOffsets[index]; i < l.ValueOffsets[index + 1]; i++)
                {
                    list.Add(ValueAt(l.Values, i));
                }
                return list;
            default:
                throw new NotSupportedException(array.GetType().Name);
        }
    }

    private static IArrowArray BuildColumn(SleeperType type, List<object?> values)
    {
        switch (type)
        {
            case IntType:
                var ints = new Int32Array.Builder();
                values.ForEach(v => { if (v is null) { ints.AppendNull(); } else { ints.Append((int)v); } });
                return ints.Build();
            case LongType:
                var longs = new Int64Array.Builder();
                values.ForEach(v => { if (v is null) { longs.AppendNull(); } else { longs.Append((long)v); } });
                return longs.Build();
            case StringType:
                var strings = new StringArray.Builder();
                values.ForEach(v => { if (v is null) { strings.AppendNull(); } else { strings.Append((string)v); } });
                return strings.Build();
            case ByteArrayType:
                var bytes = new BinaryArray.Builder();
                values.ForEach(v => { if (v is null) { bytes.AppendNull(); } else { bytes.Append(((byte[])v).AsSpan()); } });
                return bytes.Build();
            case ListType list:
                return BuildList(list, values);
            case MapType map:
                return BuildMap(map, values);
            default:
                throw new NotSupportedException(type.Name);
        }
    }

    private static ListArray BuildList(ListType type, List<object?> values)
    {
        var offsets = new ArrowBuffer.Builder<int>();
        var validity = new ArrowBuffer.BitmapBuilder();
        var elements = new List<object?>();
        offsets.Append(0);
        var nulls = 0;
        foreach (var v in values)
        {
            if (v is List<object?> items)
            {
                elements.AddRange(items);
            }
            else
            {
                nulls++;
            }
            validity.Append(v is not null);
            offsets.Append(elements.Count);
        }
        var arrowType = (ArrowTypes.ListType)ArrowSchemas.ToArrow(type);
        return new ListArray(arrowType, values.Count, offsets.Build(), BuildColumn(type.ElementType, elements), validity.Build(), nulls);
    }

    private static MapArray BuildMap(MapType type, List<object?> values)
    {
        var offsets = new ArrowBuffer.Builder<int>();
        var validity = new ArrowBuffer.BitmapBuilder();
        var keys = new List<object?>();
        var items = new List<object?>();
        offsets.Append(0);
        var nulls = 0;
        foreach (var v in values)
        {
            if (v is Dictionary<object, object?> map)
            {
                foreach (var (k, x) in map)
                {
                    keys.Add(k);
                    items.Add(x);
                }
            }
            else
            {
                nulls++;
            }
            validity.Append(v is not null);
            offsets.Append(keys.Count);
        }
        var arrowType = (ArrowTypes.MapType)ArrowSchemas.ToArrow(type);
        var entries = new StructArray(arrowType.KeyValueType, keys.Count, [BuildColumn(type.KeyType, keys), BuildColumn(type.ValueType, items)], ArrowBuffer.Empty, 0);
        return new MapArray(arrowType, values.Count, offsets.Build(), entries, validity.Build(), nulls);
    }

    /// <summary>A batch of the standard schema: a 12-character key, a timestamp and a 40-character value.</summary>
    public static RecordBatch StandardBatch(int start, int count)
    {
        var keys = new StringArray.Builder();
        var timestamps = new Int64Array.Builder();
        var values = new StringArray.Builder();
        for (var i = start; i < start + count; i++)
        {
            keys.Append($"key-{i:D8}");
            timestamps.Append(1_700_000_000_000L + i);
            values.Append($"value-{i:D10}-abcdefghijklmnopqrstuvw");
        }
        return new RecordBatch(ArrowSchemas.ToArrow(Standard), [keys.Build(), timestamps.Build(), values.Build()], count);
    }
}
