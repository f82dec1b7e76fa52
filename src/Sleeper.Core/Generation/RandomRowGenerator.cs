using System.Text;
using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Generation;

/// <summary>
/// Random rows for any schema, straight into Arrow batches, the same for the same seed: strings of 1-16
/// characters (mostly ASCII, some multi-byte), byte arrays of 0-16 bytes, ints and longs over their whole
/// range, lists of 0-4 elements, maps of 0-3 entries, and about one null in ten in nullable fields.
/// </summary>
public sealed class RandomRowGenerator(TableSchema schema, int seed)
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static readonly string[] Rare = ["é", "ß", "Ж", "中", "😀"];
    private readonly Random _random = new(seed);
    private readonly StringBuilder _text = new();

    public TableSchema Schema { get; } = schema;

    public RecordBatch Next(int rows)
    {
        var builder = new RecordBatchBuilder(Schema, rows);
        var fields = Schema.AllFields;
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < fields.Count; c++)
            {
                var field = fields[c];
                if (field.Nullable && _random.Next(10) == 0)
                {
                    builder.AppendNull(c);
                    continue;
                }
                switch (field.Type)
                {
                    case IntType:
                        builder.AppendInt32(c, _random.Next(int.MinValue, int.MaxValue));
                        break;
                    case LongType:
                        builder.AppendInt64(c, _random.NextInt64(long.MinValue, long.MaxValue));
                        break;
                    case StringType:
                        builder.AppendString(c, NextString());
                        break;
                    case ByteArrayType:
                        builder.AppendBinary(c, NextBytes());
                        break;
                    case ListType list:
                        builder.AppendValue(c, Enumerable.Range(0, _random.Next(5)).Select(_ => (object?)NextPrimitive(list.ElementType)).ToList());
                        break;
                    case MapType map:
                        var entries = new Dictionary<object, object?>(Keys.KeyValueEqualityComparer.Instance);
                        for (var i = _random.Next(4); i > 0; i--)
                        {
                            entries[NextPrimitive(map.KeyType)] = _random.Next(10) == 0 ? null : NextPrimitive(map.ValueType);
                        }
                        builder.AppendValue(c, entries);
                        break;
                }
            }
            builder.EndRow();
        }
        return builder.Build();
    }

    private object NextPrimitive(PrimitiveType type) => type switch
    {
        IntType => _random.Next(int.MinValue, int.MaxValue),
        LongType => _random.NextInt64(long.MinValue, long.MaxValue),
        StringType => NextString(),
        _ => NextBytes(),
    };

    private string NextString()
    {
        _text.Clear();
        for (var i = _random.Next(1, 17); i > 0; i--)
        {
            if (_random.Next(50) == 0)
            {
                _text.Append(Rare[_random.Next(Rare.Length)]);
            }
            else
            {
                _text.Append(Alphabet[_random.Next(Alphabet.Length)]);
            }
        }
        return _text.ToString();
    }

    private byte[] NextBytes()
    {
        var bytes = new byte[_random.Next(17)];
        _random.NextBytes(bytes);
        return bytes;
    }
}
