using Sleeper.Core.Schema;

namespace Sleeper.Core.Keys;

/// <summary>
/// A range of values of one row-key field. <see cref="Min"/> is never null (the type's minimum stands
/// for unbounded); <see cref="Max"/> null means unbounded above.
/// </summary>
public sealed record KeyRange(Field Field, object Min, bool MinInclusive, object? Max, bool MaxInclusive)
{
    /// <summary>The canonical partition range: min inclusive, max exclusive.</summary>
    public static KeyRange Of(Field field, object? min, object? max) =>
        new(field, min ?? KeyValues.MinimumOf(field.PrimitiveType), true, max, false);

    public static KeyRange Unbounded(Field field) => Of(field, null, null);

    /// <summary>Exactly one value: [v, v].</summary>
    public static KeyRange Exactly(Field field, object value) => new(field, value, true, value, true);

    private PrimitiveType Type => Field.PrimitiveType;

    public bool Contains(object value)
    {
        var c = KeyValues.Compare(Type, value, Min);
        if (c < 0 || (c == 0 && !MinInclusive))
        {
            return false;
        }
        if (Max is null)
        {
            return true;
        }
        c = KeyValues.Compare(Type, value, Max);
        return c < 0 || (c == 0 && MaxInclusive);
    }

    /// <summary>Whether any value lies in both ranges.</summary>
    public bool Overlaps(KeyRange other)
    {
        // this.min must be below other's max, and other.min below this max.
        return BelowMax(Min, MinInclusive, other) && BelowMax(other.Min, other.MinInclusive, this);

        bool BelowMax(object min, bool minInclusive, KeyRange r)
        {
            if (r.Max is null)
            {
                return true;
            }
            var c = KeyValues.Compare(Type, min, r.Max);
            return c < 0 || (c == 0 && minInclusive && r.MaxInclusive);
        }
    }

    /// <summary>Whether the closed interval [lo, hi] of actual values (e.g. column statistics) meets this range.</summary>
    public bool OverlapsClosed(object lo, object hi) => Overlaps(new KeyRange(Field, lo, true, hi, true));

    public bool IsEmpty()
    {
        if (Max is null)
        {
            return false;
        }
        var c = KeyValues.Compare(Type, Min, Max);
        return c > 0 || (c == 0 && !(MinInclusive && MaxInclusive));
    }

    public override string ToString() =>
        $"{Field.Name}{(MinInclusive ? "[" : "(")}{KeyValues.Format(Min)}, {(Max is null ? "∞" : KeyValues.Format(Max))}{(MaxInclusive ? "]" : ")")}";
}
