using Sleeper.Core.Keys;

namespace Sleeper.Core;

/// <summary>
/// One row at the edges of the system (client APIs, row-by-row iterators, tests), its values in the
/// schema's field order. The data path itself works on Arrow record batches, not on rows.
/// Values: int, long, string, byte[], List&lt;object?&gt; for lists, Dictionary&lt;object, object?&gt; for maps, null.
/// </summary>
public sealed class Row(object?[] values) : IEquatable<Row>
{
    public object?[] Values { get; } = values;

    public object? this[int index] => Values[index];

    public bool Equals(Row? other) => other is not null && Values.Length == other.Values.Length
        && Values.Zip(other.Values).All(p => KeyValues.ValueEquals(p.First, p.Second));

    public override bool Equals(object? obj) => Equals(obj as Row);

    public override int GetHashCode() => Values.Length == 0 || Values[0] is null or byte[] ? Values.Length : Values[0]!.GetHashCode();

    public override string ToString() => "{" + string.Join(", ", Values.Select(Format)) + "}";

    private static string Format(object? v) => v switch
    {
        System.Collections.IDictionary d => "{" + string.Join(", ", d.Keys.Cast<object>().Select(k => $"{KeyValues.Format(k)}: {Format(d[k])}")) + "}",
        System.Collections.IList l and not byte[] => "[" + string.Join(", ", l.Cast<object?>().Select(Format)) + "]",
        _ => KeyValues.Format(v),
    };
}
