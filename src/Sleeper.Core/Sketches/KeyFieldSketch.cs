using Apache.Arrow;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Core.Sketches;

/// <summary>The quantiles sketch of one row-key field, seen through the .NET key values (int, long, string, byte[]).</summary>
public abstract class KeyFieldSketch
{
    private static readonly IComparer<byte[]> s_byteArrayComparer =
        Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b));

    private protected KeyFieldSketch(Field field)
    {
        Field = field;
    }

    public Field Field { get; }

    public PrimitiveType Type => Field.PrimitiveType;

    public abstract long N { get; }

    public abstract object MinValue { get; }

    public abstract object MaxValue { get; }

    public abstract object GetQuantile(double rank);

    public abstract double GetRank(object value);

    public abstract object[] GetSplitPoints(int parts);

    public abstract void Update(object value);

    /// <summary>Adds every non-null value of an Arrow column of this field's type.</summary>
    /// <param name="ascending">The column's values are in ascending order (as the first row key of a sorted batch),
    /// so positions can be compared in place of values.</param>
    public abstract void UpdateFromColumn(IArrowArray column, bool ascending = false);

    internal abstract void Merge(KeyFieldSketch other);

    internal abstract byte[] Serialize();

    internal static KeyFieldSketch Create(Field field, int k, Random random) => field.PrimitiveType switch
    {
        IntType => new NumericKeyFieldSketch<int>(field, new KllSketch<int>(Comparer<int>.Default, k, random), KllItemSerDe.WriteInt),
        LongType => new NumericKeyFieldSketch<long>(field, new KllSketch<long>(Comparer<long>.Default, k, random), KllItemSerDe.WriteLong),
        StringType => new BinaryKeyFieldSketch<string>(field, new KllSketch<string>(Utf8Ordinal.Comparer, k, random), KllItemSerDe.WriteString,
            static (column, i) => ((StringArray)column).GetString(i)),
        ByteArrayType => new BinaryKeyFieldSketch<byte[]>(field, new KllSketch<byte[]>(s_byteArrayComparer, k, random), KllItemSerDe.WriteBytes,
            static (column, i) => column.GetBytes(i).ToArray()),
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    internal static KeyFieldSketch Deserialize(Field field, byte[] bytes, Random random) => field.PrimitiveType switch
    {
        IntType => new NumericKeyFieldSketch<int>(field,
            KllSketch<int>.Deserialize(bytes, KllItemSerDe.ReadInt, Comparer<int>.Default, random), KllItemSerDe.WriteInt),
        LongType => new NumericKeyFieldSketch<long>(field,
            KllSketch<long>.Deserialize(bytes, KllItemSerDe.ReadLong, Comparer<long>.Default, random), KllItemSerDe.WriteLong),
        StringType => new BinaryKeyFieldSketch<string>(field,
            KllSketch<string>.Deserialize(bytes, KllItemSerDe.ReadString, Utf8Ordinal.Comparer, random), KllItemSerDe.WriteString,
            static (column, i) => ((StringArray)column).GetString(i)),
        ByteArrayType => new BinaryKeyFieldSketch<byte[]>(field,
            KllSketch<byte[]>.Deserialize(bytes, KllItemSerDe.ReadBytes, s_byteArrayComparer, random), KllItemSerDe.WriteBytes,
            static (column, i) => column.GetBytes(i).ToArray()),
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };
}
