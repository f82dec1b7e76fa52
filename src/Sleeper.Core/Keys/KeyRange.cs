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
        // Each range's lowest value must exist and be at or below the other's max; then the higher of the two
        // lowest values lies in both.
        if (LowestValue() is not { } lowest || other.LowestValue() is not { } otherLowest)
        {
            return false;
        }
        return AtOrBelowMax(lowest, this) && AtOrBelowMax(lowest, other)
            && AtOrBelowMax(otherLowest, this) && AtOrBelowMax(otherLowest, other);

        bool AtOrBelowMax(object value, KeyRange r)
        {
            if (r.Max is null)
            {
                return true;
            }
            var c = KeyValues.Compare(Type, value, r.Max);
            return c < 0 || (c == 0 && r.MaxInclusive);
        }
    }

    /// <summary>Whether the closed interval [lo, hi] of actual values (e.g. column statistics) meets this range.</summary>
    public bool OverlapsClosed(object lo, object hi) => Overlaps(new KeyRange(Field, lo, true, hi, true));

    public bool IsEmpty()
    {
        if (LowestValue() is not { } lowest)
        {
            return true;
        }
        if (Max is null)
        {
            return false;
        }
        var c = KeyValues.Compare(Type, lowest, Max);
        return c > 0 || (c == 0 && !MaxInclusive);
    }

    /// <summary>
    /// Checks a range a user gave, say in a query: one whose min is above its max, or that holds no key, is a
    /// mistake to report rather than a question whose answer is no rows.
    /// </summary>
    /// <param name="what">What the range came from, for the message (e.g. "--range z,a").</param>
    public void RequireNonEmpty(string what)
    {
        if (Max is not null && KeyValues.Compare(Type, Min, Max) > 0)
        {
            throw new SleeperException($"{what}: the range of '{Field.Name}' is backwards: its min {KeyValues.Format(Min)} is greater than its max {KeyValues.Format(Max)}.");
        }
        if (IsEmpty())
        {
            throw new SleeperException($"{what}: the range of '{Field.Name}', {this}, is empty: no key lies in it.");
        }
    }

    // Every key type is discrete, so an exclusive min stands for the next value up: without this, ranges such
    // as (4, 5) or ("a", "a\0") would look non-empty. Null when nothing is above an exclusive min.
    private object? LowestValue() => MinInclusive ? Min : Min switch
    {
        int i => i == int.MaxValue ? null : i + 1,
        long l => l == long.MaxValue ? null : l + 1,
        string s => s + "\0",
        byte[] b => (byte[])[.. b, 0],
        _ => throw new ArgumentOutOfRangeException(nameof(Min), Min.GetType().Name),
    };

    public override string ToString() =>
        $"{Field.Name}{(MinInclusive ? "[" : "(")}{KeyValues.Format(Min)}, {(Max is null ? "∞" : KeyValues.Format(Max))}{(MaxInclusive ? "]" : ")")}";
}
