using Apache.Arrow;
using Apache.Arrow.Types;

namespace Sleeper.Core.Batches;

/// <summary>
/// Builds one Arrow column: from boxed edge values, from typed values, or by copying rows of another
/// array of the same type (the shared core of building, take and merge).
/// </summary>
internal abstract class ColumnBuilder(IArrowType type)
{
    public IArrowType Type { get; } = type;

    public int Length { get; protected set; }

    public abstract long EstimatedBytes { get; }

    protected ValidityBuilder Validity { get; } = new();

    /// <param name="capacity">How many rows to make room for up front.</param>
    public static ColumnBuilder Create(IArrowType type, int capacity) => type switch
    {
        Int32Type => new PrimitiveColumnBuilder<int>(type, capacity),
        Int64Type => new PrimitiveColumnBuilder<long>(type, capacity),
        StringType => new VarBinaryColumnBuilder(type, capacity, isString: true),
        BinaryType => new VarBinaryColumnBuilder(type, capacity, isString: false),
        MapType map => new MapColumnBuilder(map, capacity),
        ListType list => new ListColumnBuilder(list, capacity),
        _ => throw new NotSupportedException($"Arrow type {type.Name} is not the type of any Sleeper field."),
    };

    /// <summary>Whether a non-null boxed value has the .NET type that stands for this column's type.</summary>
    public abstract bool Accepts(object value);

    /// <summary>Appends a non-null boxed value that <see cref="Accepts"/> said yes to.</summary>
    public abstract void AppendObject(object value);

    public abstract void AppendNull();

    public abstract void AppendRange(IArrowArray source, int start, int count);

    public abstract void AppendTake(IArrowArray source, ReadOnlySpan<int> indices);

    /// <summary>Returns the column built so far and starts an empty one.</summary>
    public abstract IArrowArray Build();

    protected static ArrayData[] NoChildren => [];
}
