namespace Sleeper.Core.Schema;

/// <summary>A field type of a Sleeper schema: a primitive, a list of primitives or a map of primitives.</summary>
public abstract record SleeperType
{
    public abstract string Name { get; }

    public override string ToString() => Name;
}

/// <summary>A type that can be a row key or sort key: int, long, string or byte array.</summary>
public abstract record PrimitiveType : SleeperType;

public sealed record IntType : PrimitiveType
{
    public static readonly IntType Instance = new();
    public override string Name => "IntType";
}

public sealed record LongType : PrimitiveType
{
    public static readonly LongType Instance = new();
    public override string Name => "LongType";
}

public sealed record StringType : PrimitiveType
{
    public static readonly StringType Instance = new();
    public override string Name => "StringType";
}

public sealed record ByteArrayType : PrimitiveType
{
    public static readonly ByteArrayType Instance = new();
    public override string Name => "ByteArrayType";
}

/// <summary>A list of primitive values; a value field only.</summary>
public sealed record ListType(PrimitiveType ElementType) : SleeperType
{
    public override string Name => $"ListType<{ElementType.Name}>";
}

/// <summary>A map from primitive keys to primitive values; a value field only.</summary>
public sealed record MapType(PrimitiveType KeyType, PrimitiveType ValueType) : SleeperType
{
    public override string Name => $"MapType<{KeyType.Name},{ValueType.Name}>";
}
