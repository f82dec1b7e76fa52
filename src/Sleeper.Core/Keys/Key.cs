using Sleeper.Core.Schema;

namespace Sleeper.Core.Keys;

/// <summary>The values of a row's row-key fields, in declared order.</summary>
public sealed class Key(IReadOnlyList<object> values) : IEquatable<Key>
{
    public IReadOnlyList<object> Values { get; } = values;

    public static Key Of(params object[] values) => new(values);

    public object this[int dimension] => Values[dimension];

    public int Count => Values.Count;

    public bool Equals(Key? other) => other is not null && Values.Count == other.Values.Count
        && Values.Zip(other.Values).All(p => KeyValues.ValueEquals(p.First, p.Second));

    public override bool Equals(object? obj) => Equals(obj as Key);

    public override int GetHashCode() => Values.Count == 0 ? 0 : Values[0] is byte[] b ? b.Length : Values[0].GetHashCode();

    public override string ToString() => "[" + string.Join(", ", Values.Select(KeyValues.Format)) + "]";
}

/// <summary>Orders keys field by field with the ordering rules of each field's type.</summary>
public sealed class KeyComparer(IReadOnlyList<PrimitiveType> types) : IComparer<Key>, IComparer<IReadOnlyList<object>>
{
    public IReadOnlyList<PrimitiveType> Types { get; } = types;

    public static KeyComparer ForRowKeys(TableSchema schema) => new(schema.RowKeyTypes);

    public static KeyComparer ForRowAndSortKeys(TableSchema schema) => new([.. schema.RowKeyTypes, .. schema.SortKeyTypes]);

    public int Compare(Key? x, Key? y) => Compare(x!.Values, y!.Values);

    public int Compare(IReadOnlyList<object>? x, IReadOnlyList<object>? y)
    {
        for (var i = 0; i < Types.Count; i++)
        {
            var c = KeyValues.Compare(Types[i], x![i], y![i]);
            if (c != 0)
            {
                return c;
            }
        }
        return 0;
    }
}
