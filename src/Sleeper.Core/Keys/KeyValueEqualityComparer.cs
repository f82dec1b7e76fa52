namespace Sleeper.Core.Keys;

/// <summary>Equality of primitive values as Sleeper sees it: byte arrays by their contents (for map keys and sets).</summary>
public sealed class KeyValueEqualityComparer : IEqualityComparer<object>
{
    public static readonly KeyValueEqualityComparer Instance = new();

    public new bool Equals(object? x, object? y) => KeyValues.ValueEquals(x, y);

    public int GetHashCode(object obj)
    {
        if (obj is byte[] bytes)
        {
            var hash = new HashCode();
            hash.AddBytes(bytes);
            return hash.ToHashCode();
        }
        return obj.GetHashCode();
    }
}
