using Sleeper.Core.Schema;
using ArrowTypes = Apache.Arrow.Types;

namespace Sleeper.Core.Batches;

/// <summary>
/// How a Sleeper schema maps to Arrow: int → Int32, long → Int64, string → Utf8, byte array → Binary,
/// list → List of the element type, map → Map. Columns are in the schema's field order.
/// </summary>
public static class ArrowSchemas
{
    public static Apache.Arrow.Schema ToArrow(TableSchema schema) =>
        new(schema.AllFields.Select(ToArrow), null);

    public static Apache.Arrow.Field ToArrow(Field field) => new(field.Name, ToArrow(field.Type), field.Nullable);

    public static ArrowTypes.IArrowType ToArrow(SleeperType type) => type switch
    {
        IntType => ArrowTypes.Int32Type.Default,
        LongType => ArrowTypes.Int64Type.Default,
        Schema.StringType => ArrowTypes.StringType.Default,
        ByteArrayType => ArrowTypes.BinaryType.Default,
        Schema.ListType l => new ArrowTypes.ListType(new Apache.Arrow.Field("element", ToArrow(l.ElementType), false)),
        Schema.MapType m => new ArrowTypes.MapType(
            new Apache.Arrow.Field("key", ToArrow(m.KeyType), false),
            new Apache.Arrow.Field("value", ToArrow(m.ValueType), true)),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Whether an Arrow type read from a file can hold the Sleeper type (ignoring large/view variants).</summary>
    public static bool Matches(SleeperType expected, ArrowTypes.IArrowType actual) => (expected, actual) switch
    {
        (IntType, ArrowTypes.Int32Type) => true,
        (LongType, ArrowTypes.Int64Type) => true,
        (Schema.StringType, ArrowTypes.StringType) => true,
        (ByteArrayType, ArrowTypes.BinaryType) => true,
        (Schema.ListType l, ArrowTypes.ListType a) => Matches(l.ElementType, a.ValueDataType),
        (Schema.MapType m, ArrowTypes.MapType a) => Matches(m.KeyType, a.KeyField.DataType) && Matches(m.ValueType, a.ValueField.DataType),
        _ => false,
    };
}
