namespace Sleeper.Core.Schema;

/// <summary>A named, typed column of a table.</summary>
public sealed record Field(string Name, SleeperType Type, bool Nullable = false)
{
    public PrimitiveType PrimitiveType => Type as PrimitiveType
        ?? throw new SchemaException($"Field '{Name}' has type {Type.Name}, which is not a primitive type.");
}
