namespace Sleeper.Client;

/// <summary>
/// A range of one row-key field as a caller gives it, before the table's schema is known: Sleeper's
/// <c>[min, minInclusive, max, maxInclusive]</c>. A null <paramref name="Min"/> is the type's minimum and a null
/// <paramref name="Max"/> is unbounded above; by default the min is inclusive and the max exclusive, as in Sleeper.
/// </summary>
public sealed record QueryRange(object? Min, object? Max, bool MinInclusive = true, bool MaxInclusive = false)
{
    /// <summary>Every value of the field.</summary>
    public static QueryRange All { get; } = new(null, null);
}

/// <summary>
/// A box in row-key space by field name (Sleeper's region JSON, <c>{"key": [min, minInclusive, max, maxInclusive]}</c>);
/// row-key fields left out are unbounded.
/// </summary>
public sealed record QueryRegion(IReadOnlyDictionary<string, QueryRange> Ranges)
{
    /// <summary>A region with one range, on the named row-key field.</summary>
    public static QueryRegion Of(string field, QueryRange range) => new(new Dictionary<string, QueryRange> { [field] = range });
}
