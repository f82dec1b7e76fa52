using Sleeper.Core;
using Sleeper.Core.Schema;

namespace Sleeper.Query.Tests;

/// <summary>
/// Random values for the model tests, drawn from small pools so that keys repeat, with the edge cases mixed in:
/// extreme numbers, empty strings and byte arrays, non-ASCII and astral-plane text. Also an ordering of values
/// written independently of the production comparers.
/// </summary>
public sealed class ModelValues(Random random)
{
    private static readonly string[] Strings =
    [
        "", "a", "aa", "ab", "b", "ba", "z", "A", "Z", "0", " ", "é", "ü", "日本", "日", "\uFFFD", "\uE000", "\uFFFF",
        "😀", "😀a", "a😀", "𝄞", "𐍈z", "line\nbreak", "comma,quote\"", "~",
    ];

    private static readonly int[] Ints = [int.MinValue, int.MinValue + 1, -1000, -1, 0, 1, 2, 7, 1000, int.MaxValue - 1, int.MaxValue];

    private static readonly long[] Longs = [long.MinValue, long.MinValue + 1, -1L << 40, -1, 0, 1, 3, 1L << 40, long.MaxValue - 1, long.MaxValue];

    private static readonly byte[][] Bytes = [[], [0], [0, 0], [1], [1, 2, 3], [127], [128], [255], [255, 255], [0, 255]];

    public Random Random { get; } = random;

    public object Primitive(PrimitiveType type) => type switch
    {
        IntType => Random.Next(3) == 0 ? Ints[Random.Next(Ints.Length)] : Random.Next(-20, 21),
        LongType => Random.Next(3) == 0 ? Longs[Random.Next(Longs.Length)] : (long)Random.Next(-20, 21),
        StringType => Random.Next(4) == 0 ? RandomAscii() : Strings[Random.Next(Strings.Length)],
        ByteArrayType => Random.Next(4) == 0 ? RandomBytes() : (byte[])Bytes[Random.Next(Bytes.Length)].Clone(),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public object? Value(Field field)
    {
        if (field.Nullable && Random.Next(5) == 0)
        {
            return null;
        }
        return field.Type switch
        {
            PrimitiveType p => Primitive(p),
            ListType l => Enumerable.Range(0, Random.Next(4)).Select(_ => (object?)Primitive(l.ElementType)).ToList(),
            MapType m => MapValue(m),
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };
    }

    public Row Row(TableSchema schema) => new(schema.AllFields.Select(Value).ToArray());

    private Dictionary<object, object?> MapValue(MapType type)
    {
        var map = new Dictionary<object, object?>();
        for (var i = Random.Next(4); i > 0; i--)
        {
            map[Primitive(type.KeyType)] = Random.Next(4) == 0 ? null : Primitive(type.ValueType);
        }
        return map;
    }

    private string RandomAscii() => new(Enumerable.Range(0, Random.Next(1, 4)).Select(_ => (char)Random.Next('a', 'e')).ToArray());

    private byte[] RandomBytes() => Enumerable.Range(0, Random.Next(0, 4)).Select(_ => (byte)Random.Next(0, 4)).ToArray();

    /// <summary>A text form of a value that equal values share, whatever the order of a map's entries.</summary>
    public static string Canonical(object? value) => value switch
    {
        null => "null",
        byte[] b => "0x" + Convert.ToHexString(b),
        string s => "\"" + s + "\"",
        System.Collections.IDictionary d => "{" + string.Join(",", d.Keys.Cast<object>().Select(k => Canonical(k) + ":" + Canonical(d[k])).Order(StringComparer.Ordinal)) + "}",
        System.Collections.IList l => "[" + string.Join(",", l.Cast<object?>().Select(Canonical)) + "]",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    public static string Canonical(Row row) => string.Join("|", row.Values.Select(Canonical));
}
